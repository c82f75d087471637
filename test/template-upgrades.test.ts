/**
 * Template upgrades across projects, whole stack (wrangler dev, a real executor, the real Claude
 * Code CLI against a scripted loopback Messages API, GitHub and Telegram on loopback, git
 * templates in local bare repositories with tags): a member's project is built from a catalog
 * template at v1.0.0 and its Developer changes the README. The template's v1.1.0 is tagged; an
 * admin's check finds it, and the project gets an `upgrade` run: `copier update` on a branch, a
 * pull request through the App, the project's tests on the branch, and an offer in the owner's
 * chat with buttons. "Look first" shows the pull request and asks again; "Merge and deploy" merges
 * the branch (the template's change and the Developer's both in main), moves the project to
 * v1.1.0 and starts its DevOps run. The admins' list says who is behind which version. Then
 * v1.2.0 is skipped through the API: the branch stays, and the version is not offered again.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeBinary } from "../executor/test/support/fake-anthropic.ts";
import { ChatHarness } from "./support/chat.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github.ts";
import { memberApi } from "./support/member.ts";
import { appendFile, pipelineModel } from "./support/pipeline-model.ts";
import { runEnded, until } from "./support/poll.ts";
import { git } from "./support/template-git.ts";

const OWNER = "acme";
const claude = claudeBinary();
const TELEGRAM_ID = 4700;
const MEMBER = { id: TELEGRAM_ID, first_name: "Uma" };
let chat: ChatHarness;
let github: FakeGitHub;
let root: string;
let templateWork: string;

type Api = ReturnType<typeof memberApi>;

/** The template at a version: its README, greeting module and (from v1.1.0) a changelog. */
function templateFiles(version: string): Record<string, string> {
  const [, minor = "0"] = version.split(".");
  return {
    "copier.yml": [
      "_subdirectory: template",
      "greeting:",
      "  type: str",
      "  help: What the service says",
      "  default: hello",
      "",
    ].join("\n"),
    "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "template/package.json.jinja":
      '{ "name": "upgrade-demo", "type": "module", "scripts": { "test": "node --test" } }\n',
    "template/README.md.jinja": [
      ...(Number(minor) >= 1 ? ["Built from upgrade-demo (see CHANGELOG.md)."] : []),
      "# {{ greeting }} service",
      "",
      "It says {{ greeting }}.",
      "",
      "Run the tests with npm test.",
      "",
    ].join("\n"),
    "template/src/greeting.js.jinja": `export const greeting = "{{ greeting }}";\nexport const templateVersion = "${version}";\n`,
    "template/test/greeting.test.js": [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { greeting } from "../src/greeting.js";',
      "",
      'test("greets", () => assert.equal(typeof greeting, "string"));',
      "",
    ].join("\n"),
    ...(Number(minor) >= 1 ? { "template/CHANGELOG.md": `## ${version}\n\nA changelog.\n` } : {}),
  };
}

/** Commits the template at `version` and tags it, in its bare repository. */
async function release(version: string): Promise<void> {
  for (const [file, text] of Object.entries(templateFiles(version))) {
    await mkdir(path.dirname(path.join(templateWork, file)), { recursive: true });
    await writeFile(path.join(templateWork, file), text);
  }
  await git(["add", "--all"], templateWork);
  await git(["commit", "--quiet", "-m", `release ${version}`], templateWork);
  await git(["tag", "-a", version, "-m", version], templateWork);
  await git(["push", "--quiet", "origin", "main", "--tags"], templateWork);
}

const bareRepo = () => path.join(root, OWNER, "upgrade-demo.git");
const show = (ref: string, file: string) =>
  spawnSync("git", ["-C", bareRepo(), "show", `${ref}:${file}`], { encoding: "utf8" }).stdout;

beforeAll(async () => {
  if (!claude) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude;
  root = await mkdtemp(path.join(tmpdir(), "co-upgrades-"));
  github = await startFakeGitHub({ root, owner: OWNER });
  const bare = path.join(root, "templates", "upgrade-demo.git");
  templateWork = path.join(root, "template-work");
  await mkdir(path.dirname(bare), { recursive: true });
  await git(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  await git(["clone", "--quiet", bare, templateWork]);
  await release("v1.0.0");
  chat = await ChatHarness.start(
    { ...github.appVars, REPO_ALLOW_LOCAL: "true", STATUS_EDIT_INTERVAL_MS: "300" },
    { GITHUB_APP_PRIVATE_KEY: github.privateKey },
  );
  // The Developer adds a line at the end of the README the template wrote.
  chat.respond(pipelineModel({ "Upgrade Demo": () => [appendFile("README.md", "Notes by the Developer.")] }));
  await chat.fleet.executor(2, {});
}, 120_000);

afterAll(async () => {
  await chat?.stop();
  await github?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The project's runs of a kind, once there are `count`, newest first. */
const runsOf = (as: Api, projectId: string, kind: string, count: number) =>
  until(`${count} ${kind} run(s)`, async () => {
    const { items } = (await as(`/projects/${projectId}/runs`)).body;
    const found = items.filter((run: { kind: string }) => run.kind === kind);
    return found.length >= count ? found : undefined;
  });

/** The template once its check round recorded `tag`. */
const releaseSeen = (templateId: string, tag: string) =>
  until(`the template's check to find ${tag}`, async () => {
    const template = await chat.api(`/templates/${templateId}`);
    return template.version?.tag === tag ? template : undefined;
  });

/** The messages the bot sent the member that contain `part`. */
const sentToMember = (part: string) =>
  chat.telegram.sent("sendMessage", TELEGRAM_ID).filter((call) => String(call.payload.text).includes(part));

describe.skipIf(!claude)("template upgrades across projects", { timeout: 400_000 }, () => {
  it("a newer release is offered as a tested branch and pull request, merged and deployed from the chat", async () => {
    const template = await chat.api("/templates", {
      name: "upgrade-demo",
      title: "Upgrade demo",
      description: "A greeting module with tests.",
      tags: ["test"],
      source: { kind: "git", url: `file://${path.join(root, "templates", "upgrade-demo.git")}` },
    });
    await until("the template to be ready", async () => {
      const checked = await chat.api(`/templates/${template.id}`);
      return checked.status === "ready" ? checked : undefined;
    });
    const user = await chat.api<{ id: string }>("/users", { name: "Uma", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "uma", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const created = await as("/projects", {
      name: "Upgrade Demo",
      description: "Says hello.",
      templateId: template.id,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;
    const built = (await as(`/projects/${project.id}/runs`, { kind: "engineering" })).body;
    const ended = await runEnded(async (route) => (await as(route)).body, built.id, "the build");
    expect(ended, ended.error).toMatchObject({ status: "succeeded" });
    expect((await as(`/projects/${project.id}`)).body).toMatchObject({ templateVersion: "v1.0.0" });

    // At the latest version: a run started by hand finds nothing to do.
    const idle = (await as(`/projects/${project.id}/runs`, { kind: "upgrade" })).body;
    const idleEnd = await runEnded(async (route) => (await as(route)).body, idle.id, "the idle upgrade");
    expect(idleEnd).toMatchObject({ status: "succeeded" });
    const idleSteps = (await as(`/runs/${idle.id}/steps`)).body.items;
    expect(idleSteps.map((step: { name: string; status: string }) => [step.name, step.status])).toEqual([
      ["plan", "skipped"],
    ]);

    // v1.1.0: an admin's check finds it, and the project gets its upgrade run.
    await release("v1.1.0");
    const rechecked = await chat.api(`/templates/${template.id}/check`, {});
    expect(rechecked).toMatchObject({ status: "ready", version: { tag: "v1.0.0" } });
    await releaseSeen(template.id, "v1.1.0");
    const [upgrade] = await runsOf(as, project.id, "upgrade", 2);
    expect(upgrade.id).not.toBe(idle.id);
    const offer = await until(
      "the offer in the owner's chat",
      async () => sentToMember("A new version of upgrade-demo")[0],
    );
    const text = String(offer.payload.text).replace(/<[^>]+>/g, "");
    expect(text).toContain("v1.0.0 → v1.1.0");
    expect(text).toContain("template-upgrade/v1.1.0");
    expect(text).toContain("✅ Tests:");
    expect(text).toContain(`https://github.test/${OWNER}/upgrade-demo/pull/1`);
    const buttons = offer.payload.reply_markup.inline_keyboard
      .flat()
      .map((button: { callback_data: string }) => button.callback_data);
    expect(buttons).toEqual([`upg:m:${upgrade.id}`, `upg:l:${upgrade.id}`, `upg:s:${upgrade.id}`]);
    expect(github.pullRequests).toEqual([
      expect.objectContaining({ repository: "upgrade-demo", head: "template-upgrade/v1.1.0", base: "main" }),
    ]);
    // The branch: the template's change merged with the Developer's, main untouched until merged.
    expect(show("template-upgrade/v1.1.0", "README.md")).toMatch(
      /^Built from upgrade-demo \(see CHANGELOG.md\)\.\n# hello service\n[\s\S]*Notes by the Developer\.\n$/,
    );
    expect(show("main", "CHANGELOG.md")).toBe("");

    // The admins' list: behind, with its offered upgrade; the member sees their own project too.
    const versions = (await chat.api(`/template-versions?template=${template.id}`)).items;
    expect(versions).toEqual([
      expect.objectContaining({
        project: expect.objectContaining({ id: project.id, slug: "upgrade-demo" }),
        version: "v1.0.0",
        latest: "v1.1.0",
        behind: true,
        upgrade: expect.objectContaining({
          runId: upgrade.id,
          status: "offered",
          branch: "template-upgrade/v1.1.0",
          testsPassed: true,
          conflicts: [],
          pullRequestUrl: `https://github.test/${OWNER}/upgrade-demo/pull/1`,
        }),
      }),
    ]);
    expect((await as("/template-versions?behind=true")).body.items).toHaveLength(1);

    // Look first: where to look, and the buttons again; the run still waits.
    await chat.press(MEMBER, `upg:l:${upgrade.id}`);
    const look = await until("the look", async () => sentToMember("Review the pull request")[0]);
    expect(String(look.payload.text)).toContain("/pull/1");
    expect((await as(`/runs/${upgrade.id}`)).body.status).toBe("waiting");

    // Merge and deploy: main has both changes, the project is at v1.1.0, its deploy started.
    await chat.press(MEMBER, `upg:m:${upgrade.id}`);
    const merged = await runEnded(async (route) => (await as(route)).body, upgrade.id, "the upgrade");
    expect(merged, merged.error).toMatchObject({ status: "succeeded" });
    expect(show("main", "CHANGELOG.md")).toContain("## v1.1.0");
    const decided = await chat.api(`/audit?action=run.upgrade&targetId=${upgrade.id}`);
    expect(decided.items).toEqual([
      expect.objectContaining({ actorId: user.id, action: "run.upgrade", details: { choice: "merge" } }),
    ]);
    expect(show("main", "README.md")).toContain("Notes by the Developer.");
    expect(show("main", ".copier-answers.yml")).toContain("_commit: v1.1.0");
    expect((await as(`/projects/${project.id}`)).body).toMatchObject({ templateVersion: "v1.1.0" });
    await runsOf(as, project.id, "devops", 2);
    const steps = (await as(`/runs/${upgrade.id}/steps`)).body.items;
    expect(steps.map((step: { name: string }) => step.name)).toEqual([
      "plan",
      "update",
      "pull request",
      "test",
      "upgrade 1",
      "merge",
    ]);
    expect((await chat.api(`/template-versions?template=${template.id}`)).items[0]).toMatchObject({
      version: "v1.1.0",
      behind: false,
      upgrade: { runId: upgrade.id, status: "merged", testsPassed: true },
    });

    // v1.2.0, skipped through the API: the branch stays, the version is not offered again.
    await release("v1.2.0");
    await chat.api(`/templates/${template.id}/check`, {});
    await releaseSeen(template.id, "v1.2.0");
    const [skipped] = await runsOf(as, project.id, "upgrade", 3);
    await until("the second offer", async () =>
      (await as(`/runs/${skipped.id}`)).body.status === "waiting" ? true : undefined,
    );
    expect((await as(`/runs/${skipped.id}/upgrade`, { choice: "skip" })).status).toBe(200);
    expect((await as(`/runs/${skipped.id}/upgrade`, { choice: "merge" })).status).toBe(409);
    expect((await chat.api(`/audit?action=run.upgrade&targetId=${skipped.id}`)).items).toHaveLength(1);
    const skippedEnd = await runEnded(
      async (route) => (await as(route)).body,
      skipped.id,
      "the skipped upgrade",
    );
    expect(skippedEnd).toMatchObject({ status: "succeeded" });
    expect(show("template-upgrade/v1.2.0", "src/greeting.js")).toContain('"v1.2.0"');
    expect(show("main", "src/greeting.js")).toContain('"v1.1.0"');
    const [row] = (await chat.api(`/template-versions?template=${template.id}`)).items;
    expect(row).toMatchObject({
      version: "v1.1.0",
      latest: "v1.2.0",
      behind: true,
      upgrade: { status: "skipped" },
    });
    // Checked again: still v1.2.0, and no new run.
    const before = (await chat.api(`/templates/${template.id}`)).checkedAt;
    await chat.api(`/templates/${template.id}/check`, {});
    await until("the check to end", async () =>
      (await chat.api(`/templates/${template.id}`)).checkedAt !== before ? true : undefined,
    );
    expect(await runsOf(as, project.id, "upgrade", 3)).toHaveLength(3);

    // Members may not check templates, nor answer another's run.
    expect((await as(`/templates/${template.id}/check`, {})).status).toBe(403);
  });
});
