/**
 * The third-party-style Compose fixture (test/fixtures/templates/compose-notes: an API, a worker
 * and PostgreSQL, a Makefile, no orchestrator.json), rendered by the scaffolding engine and
 * committed as a project's repository.
 */
import path from "node:path";
import { scaffold } from "../../src/scaffold/scaffold.ts";
import { fixtureGit, tempDir } from "./git-fixtures.ts";

export const COMPOSE_NOTES = path.resolve(
  import.meta.dirname,
  "../../../test/fixtures/templates/compose-notes",
);

/**
 * Renders the fixture as project `name`, lets `change` edit the tree, commits it and force-pushes it
 * to `main` of the bare repository at `remote`; returns the commit.
 */
export async function commitComposeNotes(
  remote: string,
  name: string,
  change: (project: string) => Promise<void> = async () => {},
): Promise<string> {
  const project = path.join(await tempDir("co-compose-notes-"), "project");
  await scaffold({
    templateRoot: COMPOSE_NOTES,
    srcPath: "compose-notes",
    commit: null,
    destination: project,
    data: { project_name: name },
    defaults: true,
    trust: false,
    taskEnv: {},
    log: () => {},
  });
  await change(project);
  fixtureGit(project, "init", "--quiet", "--initial-branch=main");
  fixtureGit(project, "add", "--all");
  fixtureGit(project, "commit", "--quiet", "-m", `${name} at ${new Date().toISOString()}`);
  fixtureGit(project, "push", "--quiet", "--force", remote, "main");
  return fixtureGit(project, "rev-parse", "HEAD").trim();
}
