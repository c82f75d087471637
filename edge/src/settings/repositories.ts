/** Where project repositories live and who their commits are by (the GitHub App: github.ts). */
import { defineSettings, flag, list, setting, text } from "./define.ts";

const settings = {
  REPO_BASE_URL: setting(text, {
    doc: "Where project repositories are created without a GitHub App: `<base>/<name>.git` (a `file://` base: bare repositories on the executor host).",
  }),
  REPO_ALLOWED_HOSTS: setting(list, {
    default: [],
    doc: "Hosts a project may import an existing repository from over https (`github.com`, `*.example.com`), comma-separated. Unset: none.",
  }),
  REPO_ALLOW_LOCAL: setting(flag, {
    default: false,
    doc: "`true` also allows `file://`, `http://` and local addresses as imported repositories (npm start and tests only).",
  }),
  GIT_AUTHOR_NAME: setting(text, {
    default: "Codegen Orchestrator",
    doc: "The author of the pipelines' commits.",
  }),
  GIT_AUTHOR_EMAIL: setting(text, {
    default: "orchestrator@localhost",
    doc: "The e-mail address of the pipelines' commits.",
  }),
};

export type RepositorySettings = typeof settings;
export const repositorySettings = defineSettings("Repositories", settings);
