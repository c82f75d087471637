import { defineConfig } from "vitest/config";

// Edge tests run in workerd (edge/vitest.config.ts); the rest run in Node.
export default defineConfig({
  test: {
    projects: [
      "edge/vitest.config.ts",
      { test: { name: "executor", root: "executor", include: ["test/**/*.test.ts"] } },
      { test: { name: "repo", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});
