/**
 * docs/settings.md from the settings the Worker declares (edge/src/settings/): run after adding or
 * changing one (`npm run docs:settings`); test/settings.test.ts fails while the page is stale.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Setting } from "../edge/src/settings/define.ts";
import { settingsGroups } from "../edge/src/settings/index.ts";

const INTRO = `# Settings

Every setting the control-plane Worker reads. Set a plain setting as a var (\`[vars]\` in
wrangler.toml, or \`--var NAME:value\`) and a secret with \`wrangler secret put NAME\`; locally,
\`npm start\` reads both from \`.local/dev.vars\` (see .dev.vars.example). Unset or blank, a setting
takes its default; a malformed value is refused with an error naming the setting (never showing a
secret's value). Each area declares its own in \`edge/src/settings/<area>.ts\`; this page is
generated from them (\`npm run docs:settings\`) and \`npm test\` fails when it is stale, when code
reads a setting that is not declared here, or when a setting declared here is read nowhere.

The executor daemon's options are its command line (\`orchestrator executor --help\`; see
executor/README.md), not Worker settings.
`;

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function defaultOf(setting: Setting<unknown>): string {
  const value = setting.fallback;
  if (value === undefined) return "unset";
  if (Array.isArray(value)) return value.length === 0 ? "none" : `\`${value.join(",")}\``;
  return `\`${String(value)}\``;
}

export function settingsPage(): string {
  const sections = settingsGroups.map((group) => {
    const rows = Object.entries(group.settings).map(([name, setting]: [string, Setting<unknown>]) => {
      const kind = setting.secret ? "secret" : "var";
      return `| \`${name}\` | ${kind} | ${defaultOf(setting)} | ${cell(setting.doc)} |`;
    });
    return [
      `## ${group.area}`,
      "",
      "| Setting | Kind | Default | Meaning |",
      "|---|---|---|---|",
      ...rows,
      "",
    ].join("\n");
  });
  return [INTRO, ...sections].join("\n");
}

/** Tables compared cell by cell: Biome pads the page's columns, which says nothing about its content. */
export const normalizedPage = (page: string) =>
  page
    .split("\n")
    .map((line) =>
      line
        .replace(/\s*\|\s*/g, "|")
        .replace(/-{3,}/g, "---")
        .trimEnd(),
    )
    .join("\n");

export const SETTINGS_PAGE = fileURLToPath(new URL("../docs/settings.md", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SETTINGS_PAGE, settingsPage());
  execFileSync("npx", ["biome", "format", "--write", SETTINGS_PAGE], { stdio: "inherit" });
  console.log(`wrote ${SETTINGS_PAGE}`);
}
