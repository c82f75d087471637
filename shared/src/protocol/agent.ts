/**
 * `agent` jobs: a headless CLI coding agent (Claude Code, Factory Droid, or a custom command) works
 * on a project checkout. The API key is a job secret handed only to the agent's process; the result
 * carries the session id (so the next iteration resumes it), the cost and the files changed.
 *
 * Isolation: `process` runs the agent as a child process of the executor (development machines);
 * `docker` and `sysbox` run it in a container on the executor's Docker engine, `sysbox` with the
 * `sysbox-runc` runtime (production). The checkout, the agent's HOME and its scratch directory are
 * mounted at the same paths inside the container, so session files match across jobs.
 */
import { z } from "zod";
import { ContainerSpec, CpuLimit, MemoryLimitMb, NetworkMode } from "./container.ts";
import { GitAuthor, GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";
import { EnvName } from "./values.ts";

export const AgentAdapter = z.enum(["claude-code", "droid", "custom"]);
export type AgentAdapter = z.infer<typeof AgentAdapter>;

export const AgentIsolation = z.enum(["process", "docker", "sysbox"]);
export type AgentIsolation = z.infer<typeof AgentIsolation>;

/**
 * The container an agent runs in (`docker` and `sysbox` isolation). The image is never pulled: it
 * must be on the executor's engine and have the agent's CLI on its PATH (`claude`, `droid`, or the
 * custom command). Limits and the image reference are the `container` kind's; the defaults suit an
 * agent that builds and tests code. `network` defaults to `bridge`, the engine's NAT network: the
 * agent reaches the model API (and package registries) but not the host's loopback. `host` shares
 * the host's network (a model API proxy on 127.0.0.1); `none` leaves it no network at all, so only
 * an agent that needs no model API over the network can work there.
 */
export const AgentContainer = ContainerSpec.pick({
  image: true,
  project: true,
  allowPlainDocker: true,
}).extend({
  cpus: CpuLimit.default(2),
  memoryMb: MemoryLimitMb.default(4096),
  network: NetworkMode.default("bridge"),
});
export type AgentContainer = z.infer<typeof AgentContainer>;

const SessionId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, "a session id");

export const AgentSpec = z
  .strictObject({
    adapter: AgentAdapter.default("claude-code").describe("which coding agent CLI runs the job"),
    prompt: z.string().min(1).max(200_000).describe("what the agent is asked to do"),
    workspace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a workspace name (lowercase, digits, dashes)")
      .optional()
      .describe(
        "a stable name for where the agent works (e.g. the project's id): the same workspace keeps the agent's session files between jobs, which `resumeSession` needs",
      ),
    resumeSession: SessionId.optional().describe(
      "continue this session (a previous job's `sessionId`) in the same workspace",
    ),
    model: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, "a model name")
      .optional(),
    maxTurns: z.number().int().min(1).max(500).optional(),
    allowedTools: z
      .array(z.string().regex(/^[A-Za-z0-9_*:.,/() -]{1,200}$/))
      .max(64)
      .optional()
      .describe("tools the agent may use unattended (Claude Code's `--allowedTools` rules)"),
    checkout: z
      .strictObject({
        url: GitRemoteUrl,
        ref: GitRef.optional(),
        credentials: GitCredentials.optional(),
        push: z
          .strictObject({ branch: GitRef, message: z.string().min(1).max(65_536), author: GitAuthor })
          .optional()
          .describe("commit what the agent changed and push it to this branch"),
      })
      .optional()
      .describe("the project to work on; without it the agent starts in an empty directory"),
    isolation: AgentIsolation.default("process").describe(
      "where the agent runs: a child process (default), or a container (`docker`, `sysbox`)",
    ),
    container: AgentContainer.optional().describe(
      "the container, for `docker` and `sysbox` isolation (and only for them); `allowPlainDocker` (sysbox only) runs the job with the engine's default runtime when it has no Sysbox",
    ),
    apiKeySecret: EnvName.optional().describe(
      "the job secret (a name in the job's `secrets`) that holds the model API key, given to the agent as ANTHROPIC_API_KEY (or FACTORY_API_KEY)",
    ),
    baseUrl: z.url().optional().describe("the model API's base URL (a proxy, or a loopback server in tests)"),
    command: z
      .array(z.string().min(1).max(4096))
      .min(1)
      .max(64)
      .optional()
      .describe(
        "`custom` only: the agent's argv; it reads the request as JSON on stdin and answers JSON on stdout",
      ),
    env: z.record(EnvName, z.string().max(32_768)).default({}).describe("extra environment for the agent"),
    mcp: z
      .strictObject({
        url: z
          .url()
          .optional()
          .describe(
            "the orchestrator's MCP endpoint (`https://<worker>/mcp`); default: `/mcp` of the orchestrator the executor serves",
          ),
        apiKeySecret: EnvName.describe("the job secret that holds the API key the agent's MCP session uses"),
      })
      .optional()
      .describe(
        "gives the agent the orchestrator's API as MCP tools (`mcp__orchestrator__<operationId>`), as the key's holder",
      ),
  })
  .refine((spec) => (spec.adapter === "custom") === (spec.command !== undefined), {
    message: "`command` is required for the custom adapter, and only for it",
    path: ["command"],
  })
  .refine((spec) => (spec.isolation === "process") === (spec.container === undefined), {
    message: "`container` is required for docker and sysbox isolation, and only for them",
    path: ["container"],
  })
  .refine((spec) => spec.isolation === "sysbox" || !spec.container?.allowPlainDocker, {
    message: "`allowPlainDocker` only applies to sysbox isolation",
    path: ["container", "allowPlainDocker"],
  })
  .refine((spec) => spec.resumeSession === undefined || spec.workspace !== undefined, {
    message: "resuming a session needs the workspace it ran in",
    path: ["workspace"],
  });
export type AgentSpec = z.infer<typeof AgentSpec>;

export const FileChange = z.strictObject({
  path: z.string(),
  change: z.enum(["added", "modified", "deleted", "renamed"]),
});

export const AgentUsage = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadInputTokens: z.number().int().nonnegative(),
  cacheCreationInputTokens: z.number().int().nonnegative(),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

export const AgentResult = z.strictObject({
  adapter: AgentAdapter,
  sessionId: SessionId.nullable(),
  /** The agent's final answer (at most 64 KiB; the full transcript stays in the job's log). */
  result: z.string().max(65_536),
  isError: z.boolean(),
  /** What this job's model use cost (its own share, when it resumed a session). */
  costUsd: z.number().nonnegative().nullable(),
  /** What the agent reported: for Claude Code, the session's total so far (earlier jobs included). */
  sessionCostUsd: z.number().nonnegative().nullable().optional(),
  usage: AgentUsage.nullable(),
  turns: z.number().int().nonnegative().nullable(),
  durationMs: z.number().nonnegative(),
  /** What changed in the checkout, against where the agent started (at most 1,000 entries). */
  filesChanged: z.array(FileChange).max(1000),
  filesChangedTruncated: z.boolean(),
  /** The commit made of the changes (when `checkout.push` was asked), and whether it was pushed. */
  commit: z.string().nullable(),
  pushed: z.boolean(),
});
export type AgentResult = z.infer<typeof AgentResult>;
