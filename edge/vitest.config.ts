import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
          ADMIN_API_KEY: "test-admin-key-0123456789abcdef",
          // 32 bytes of 0x01, then of 0x02: version 2 is current, version 1 still opens old rows.
          SECRETS_KEY: `2:${Buffer.alloc(32, 2).toString("base64")},1:${Buffer.alloc(32, 1).toString("base64")}`,
          MAX_BODY_BYTES: "16384",
          // Repositories the tests' projects may import (edge/src/domain/repo-urls.ts).
          REPO_ALLOWED_HOSTS: "example.invalid, *.example.test",
          // No agent or toolchain image here: project code may run on the (test) executor host.
          RUN_PROJECT_CODE_ON_HOST: "true",
        },
      },
    }),
  ],
  test: {
    name: "edge",
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/apply-migrations.ts"],
  },
}));
