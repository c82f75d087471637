/**
 * The GitHub App for project repositories: its id, private key and organization turn it on (in
 * place of REPO_BASE_URL); github/config.ts checks they come together and are well formed.
 */
import { defineSettings, setting, text } from "./define.ts";

export const githubSettings = defineSettings("GitHub App", {
  GITHUB_APP_ID: setting(text, { doc: "The App's id (a number)." }),
  GITHUB_APP_PRIVATE_KEY: setting(text, {
    secret: true,
    doc: "The App's private key: PKCS#1 PEM as GitHub hands it out, or PKCS#8; line breaks may be written as `\\n`.",
  }),
  GITHUB_OWNER: setting(text, {
    doc: "The organization the App is installed on and creates repositories in.",
  }),
  GITHUB_APP_INSTALLATION_ID: setting(text, {
    doc: "The App's installation id; unset, looked up from the owner.",
  }),
  GITHUB_API_URL: setting(text, {
    doc: "The REST API's base URL; default `https://api.github.com` (GitHub Enterprise Server: `https://<host>/api/v3`).",
  }),
  GITHUB_GIT_URL: setting(text, {
    doc: "Where repositories are cloned from over HTTPS; default `https://github.com`.",
  }),
  GITHUB_REPO_VISIBILITY: setting(text, {
    doc: "`private` (default) or `public`: the new repositories' visibility.",
  }),
});
