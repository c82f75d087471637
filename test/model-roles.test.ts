/**
 * Each role calls its own model: the Architect `ARCHITECT_MODEL` and the EnvAnalyzer
 * `ENV_ANALYZER_MODEL` when they are set, else the PO's `PO_MODEL`. The roles' calls go to the
 * loopback Messages API (`ANTHROPIC_BASE_URL`), which records the model each request named.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../edge/src/env.ts";
import { analyzeEnv } from "../edge/src/pipelines/devops/env-analyzer.ts";
import { architect } from "../edge/src/pipelines/engineering/architect.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../executor/test/support/fake-anthropic.ts";
import { pipelineModel } from "./support/pipeline-model.ts";

let model: FakeAnthropic;

beforeAll(async () => {
  model = await startFakeAnthropic(pipelineModel({}));
});

afterAll(async () => {
  await model?.close();
});

/** The Worker's env as far as the roles read it: the key, the loopback API, the models. */
const envWith = (vars: Record<string, string>) =>
  ({ ANTHROPIC_API_KEY: "sk-ant-roles", ANTHROPIC_BASE_URL: model.baseUrl, ...vars }) as unknown as Env;

/** The model the last request named. */
const lastModel = () => JSON.parse(model.requests.at(-1)?.body ?? "{}").model as string | undefined;

const project = { name: "Link Shortener", slug: "link-shortener", description: "Shortens links." };
const entries = [{ name: "GREETING", example: "", comment: "" }];

describe("model roles", () => {
  it("the Architect uses ARCHITECT_MODEL when set, and PO_MODEL otherwise", async () => {
    await architect(envWith({ PO_MODEL: "claude-po-test" }), project, "", null);
    expect(lastModel()).toBe("claude-po-test");

    const both = { PO_MODEL: "claude-po-test", ARCHITECT_MODEL: "claude-architect-test" };
    const { spec } = await architect(envWith(both), project, "", null);
    expect(lastModel()).toBe("claude-architect-test");
    expect(spec.name).toBe("Link Shortener");
  });

  it("the EnvAnalyzer uses ENV_ANALYZER_MODEL when set, and PO_MODEL otherwise", async () => {
    await analyzeEnv(envWith({ PO_MODEL: "claude-po-test" }), "Link Shortener", entries);
    expect(lastModel()).toBe("claude-po-test");

    const both = { PO_MODEL: "claude-po-test", ENV_ANALYZER_MODEL: "claude-env-test" };
    const analysis = await analyzeEnv(envWith(both), "Link Shortener", entries);
    expect(lastModel()).toBe("claude-env-test");
    expect(analysis.decisions).toEqual([{ name: "GREETING", kind: "user", by: "model" }]);
  });
});
