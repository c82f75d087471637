/** The engineering and DevOps pipelines: the Developer, the Tester, fix rounds and deploys. */
import { AgentAdapter, AgentIsolation, TestContainer } from "@codegen-orchestrator/shared";
import { defineSettings, flag, httpOrigin, positiveInt, positiveNumber, setting, text } from "./define.ts";

export const pipelineSettings = defineSettings("Pipelines", {
  DEVELOPER_AGENT: setting(AgentAdapter.exclude(["custom"]), {
    default: "claude-code",
    doc: "The Developer's coding agent: `claude-code` or `droid`.",
  }),
  DEVELOPER_ISOLATION: setting(AgentIsolation, {
    doc: "Where the Developer's agent runs: `docker` (default) or `sysbox` with DEVELOPER_IMAGE, or `process` on the executor host (needs RUN_PROJECT_CODE_ON_HOST=true, which also makes it the default).",
  }),
  DEVELOPER_IMAGE: setting(text, {
    doc: "The image the Developer's agent runs in (it holds the agent's CLI).",
  }),
  DEVELOPER_MODEL: setting(text, { doc: "The Developer agent's model; default the agent's own." }),
  DEVELOPER_MAX_TURNS: setting(positiveInt, {
    doc: "Turns of the Developer's agent per iteration; default the agent's own.",
  }),
  DEVELOPER_BASE_URL: setting(httpOrigin, {
    doc: "The Developer agent's model API base URL; default ANTHROPIC_BASE_URL.",
  }),
  TESTER_IMAGE: setting(text, {
    doc: "The image the project's setup step and tests run in (it holds the projects' toolchain). Needed unless RUN_PROJECT_CODE_ON_HOST=true.",
  }),
  TESTER_NETWORK: setting(TestContainer.shape.network.removeDefault(), {
    default: "bridge",
    doc: "The Tester's container network: `bridge` (default: the setup step usually fetches dependencies) or `none` (projects that vendor them; engines without a bridge network).",
  }),
  TESTER_DOCKER_INSIDE: setting(TestContainer.shape.dockerInside.removeDefault(), {
    default: "never",
    doc: "A Docker engine inside the Tester's container: `never` (default), `when-needed` (the project's tests call Docker: a compose-based test target) or `always`. Needs executors with Sysbox (the `sysbox` capability), or TESTER_PRIVILEGED_DOCKER; TESTER_IMAGE must then hold dockerd, the Docker CLI and setpriv.",
  }),
  TESTER_PRIVILEGED_DOCKER: setting(flag, {
    default: false,
    doc: "`true`: where an executor has no Sysbox, run a Tester container that needs Docker inside with every capability the host can give (what --privileged does): as strong as root on that executor. Only for executors that test trusted projects.",
  }),
  RUN_PROJECT_CODE_ON_HOST: setting(flag, {
    default: false,
    doc: "`true`: the Developer's agent and the project's tests may run on the executor host, outside any container (development machines, npm start, tests).",
  }),
  MAX_FIX_ITERATIONS: setting(positiveInt, {
    default: 3,
    doc: "Developer and Tester rounds before the user is asked what to do.",
  }),
  DEPLOY_SSH_KEY: setting(text, {
    secret: true,
    doc: "The private key executors use to reach managed servers over SSH (deploys, health checks); its public half is in each server's authorized_keys.",
  }),
  PREVIEW_TTL_HOURS: setting(positiveNumber, {
    default: 72,
    doc: "How long a branch's preview lives after it was last asked for, in hours (fractions too), before the cron removes it (default 72: 3 days).",
  }),
  DEPLOY_HEALTH_RETRIES: setting(positiveInt, {
    doc: "How many times a deploy or rollback asks the service's health path (2 s apart) before failing; default the playbook's (30).",
  }),
});
