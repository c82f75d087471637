/**
 * The acceptance scenario's simulated model (shared by the end-to-end test and `npm run demo`):
 * the Product-Owner agent asks one question, then creates "<name> Shortener" and starts its
 * engineering run; the Architect, the EnvAnalyzer and the Developer (the real Claude Code CLI,
 * scripted through its Bash tool) answer as in test/support/pipeline-model.ts. The shortener's
 * iteration 1 fails its new test (in Node, it also adds one user-provided variable); iteration 2
 * passes. In Python, the project's description says so, the Architect picks python-service and
 * answers its questions (PYTHON_ANSWERS), and the Developer writes test/support/python-shortener.ts.
 */
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { claudeBinary, type Responder } from "../../executor/test/support/fake-anthropic.ts";
import { sshdAvailable } from "../../executor/test/support/sshd.ts";
import { lastUserText } from "./chat.ts";
import { type DeployStack, startDeployStack } from "./deploy-stack.ts";
import {
  appendFile,
  BUGGY_LINKS,
  FIXED_LINKS,
  LINKS_TEST,
  pipelineModel,
  writeFile,
} from "./pipeline-model.ts";
import { pythonShortener } from "./python-shortener.ts";

export { registerServer, SERVER_PATH } from "./deploy-stack.ts";

/** What Cy tells the Developer after three failing iterations. */
export const CY_GUIDANCE = "codes are six hex characters from randomBytes(3)";

export const USER_VARIABLE = `
# user: the token API clients send in the Authorization header
SHORTENER_API_TOKEN=`;

/** The language the user asks for: the Node one is built from the default template. */
export type ShortenerLanguage = "Node" | "Python";

/** The Architect's answers to python-service's own questions. */
export const PYTHON_ANSWERS = { python_version: "3.12", port: 8080, modules: ["database"] };

const nodeShortener = (iteration: number) =>
  iteration === 1
    ? [
        writeFile("src/links.js", BUGGY_LINKS),
        writeFile("test/links.test.js", LINKS_TEST),
        appendFile(".env.example", USER_VARIABLE),
      ]
    : [writeFile("src/links.js", FIXED_LINKS)];

/** The PO agent: one question, then the project and its engineering run; the pipeline's model otherwise. */
export function shortenerScenario(language: ShortenerLanguage = "Node"): Responder {
  const shortener = language === "Python" ? pythonShortener : nodeShortener;
  const written = language === "Python" ? " Written in Python." : "";
  const pipeline = pipelineModel(
    {
      // Bob's agent takes a few seconds more on iteration 1: the test kills its executor meanwhile.
      "Bob Shortener": (iteration) => (iteration === 1 ? ["sleep 5", ...shortener(1)] : shortener(iteration)),
      // Cy's agent cannot fix it alone: it does, once the user says how.
      "Cy Shortener": (iteration, prompt) =>
        iteration === 1
          ? shortener(1)
          : prompt.includes(`Guidance from the user: ${CY_GUIDANCE}`)
            ? shortener(2)
            : [`echo "// attempt ${iteration}" >> src/links.js`],
      Shortener: shortener,
    },
    {},
    { "python-service": PYTHON_ANSWERS },
  );
  return (request) => {
    const tools = (request.tools ?? []) as { name: string }[];
    if (!tools.some((tool) => tool.name === "ask_user")) return pipeline(request);
    const last = lastUserText(request);
    if (last.includes("I need a URL shortener"))
      return {
        tool: {
          name: "ask_user",
          input: { question: "Should short links expire?", options: ["Never", "After 30 days"] },
        },
      };
    const created = last.includes('"status":"draft"') ? /"slug":"([a-z0-9-]*shortener)"/.exec(last) : null;
    if (last === "After 30 days") {
      const name = /my name is (\w+)/i.exec(JSON.stringify(request.messages))?.[1] ?? "URL";
      return {
        tool: {
          name: "create_project",
          input: {
            name: `${name} Shortener`,
            description: `Shortens URLs; links expire after 30 days; GET /health answers 200.${written}`,
            modules: ["database"],
          },
        },
      };
    }
    if (created) return { tool: { name: "start_engineering", input: { project: created[1] } } };
    if (last.includes('"kind":"engineering"'))
      return { text: "Building it now; I will keep you posted here." };
    return { text: "OK." };
  };
}

/** Everything the scenario runs on: the deploy stack, its Worker answering as the scenario's model. */
export type ScenarioStack = DeployStack;

export async function startScenarioStack(
  vars: Record<string, string> = {},
  options: { executor?: boolean; language?: ShortenerLanguage } = {},
): Promise<ScenarioStack> {
  process.env.ORCHESTRATOR_CLAUDE_BIN ??= claudeBinary() ?? "";
  const stack = await startDeployStack(
    (repos) => ({ REPO_BASE_URL: pathToFileURL(repos).href, STATUS_EDIT_INTERVAL_MS: "300", ...vars }),
    { executor: options.executor },
  );
  stack.chat.respond(shortenerScenario(options.language));
  return stack;
}

/** What the scenario needs on this machine that npm does not install; empty when all is there. */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (!claudeBinary()) missing.push("the Claude Code CLI (npm ci installs it)");
  if (spawnSync("ansible-playbook", ["--version"]).status !== 0)
    missing.push("ansible-playbook (apt-get install ansible-core)");
  if (!sshdAvailable()) missing.push("sshd (apt-get install openssh-server)");
  return missing;
}
