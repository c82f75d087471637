// Every Worker setting is declared once (edge/src/settings/), documented (docs/settings.md, made
// from the declarations) and read: code that reads an undeclared setting, a declared setting that
// nothing reads, or a stale page fails here.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defineSettings, positiveInt, SettingsError, setting } from "../edge/src/settings/define.ts";
import { hubSettings } from "../edge/src/settings/hub.ts";
import { settingsGroups } from "../edge/src/settings/index.ts";
import { telegramSettings } from "../edge/src/settings/telegram.ts";
import { normalizedPage, SETTINGS_PAGE, settingsPage } from "../scripts/settings-doc.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const edgeSrc = path.join(root, "edge/src");
const settingsDir = path.join(edgeSrc, "settings");

const declared = new Set(settingsGroups.flatMap((group) => Object.keys(group.settings)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The Worker's bindings, as `wrangler types` generated them from wrangler.toml. */
function bindings(): Set<string> {
  const generated = readFileSync(path.join(root, "edge/worker-configuration.d.ts"), "utf8");
  const base = /interface __BaseEnv_Env \{([^}]*)\}/.exec(generated)?.[1] ?? "";
  return new Set([...base.matchAll(/^\s*([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] ?? ""));
}

const codeFiles = sourceFiles(edgeSrc)
  .filter((file) => !file.startsWith(settingsDir + path.sep))
  .map((file) => ({ file: path.relative(root, file), code: readFileSync(file, "utf8") }));

describe("settings", () => {
  it("docs/settings.md is the page the declarations make (npm run docs:settings)", () => {
    expect(normalizedPage(readFileSync(SETTINGS_PAGE, "utf8"))).toBe(normalizedPage(settingsPage()));
  });

  it("code reads only bindings from env directly; settings go through their area's module", () => {
    const known = bindings();
    expect(known.has("DB")).toBe(true);
    const direct = codeFiles.flatMap(({ file, code }) =>
      [...code.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b|\benv\[["']([A-Z][A-Z0-9_]*)["']\]/g)]
        .map((match) => match[1] ?? match[2] ?? "")
        .filter((name) => !known.has(name))
        .map(
          (name) =>
            `${file}: env.${name} (${declared.has(name) ? "read it through its settings module" : "not a declared setting"})`,
        ),
    );
    expect(direct).toEqual([]);
  });

  it("every declared setting is read somewhere", () => {
    const unread = [...declared].filter(
      // Read as a property (`settings.NAME`) or destructured (`const { NAME } = settings`).
      (name) =>
        !codeFiles.some(({ code }) =>
          new RegExp(`\\.${name}\\b|\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=`).test(code),
        ),
    );
    expect(unread).toEqual([]);
  });

  it("names nothing undeclared in wrangler.toml's [vars] or .dev.vars.example", () => {
    const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
    const vars = /^\[vars\]\n([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(toml)?.[1] ?? "";
    const example = readFileSync(path.join(root, ".dev.vars.example"), "utf8");
    const names = [
      ...[...vars.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm)].map((match) => match[1] ?? ""),
      ...[...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? ""),
    ];
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((name) => !declared.has(name))).toEqual([]);
  });

  it("reads defaults for unset and blank values, and refuses a malformed one by name", () => {
    expect(hubSettings.read({}).HUB_LEASE_MS).toBe(45_000);
    expect(hubSettings.read({ HUB_LEASE_MS: "  " }).HUB_LEASE_MS).toBe(45_000);
    expect(hubSettings.read({ HUB_LEASE_MS: "1500" }).HUB_LEASE_MS).toBe(1500);
    expect(telegramSettings.read({ ADMIN_TELEGRAM_IDS: "12, 34 56" }).ADMIN_TELEGRAM_IDS).toEqual([
      12, 34, 56,
    ]);
    expect(() => hubSettings.read({ HUB_LEASE_MS: "soon" })).toThrow(SettingsError);
    expect(() => hubSettings.read({ HUB_LEASE_MS: "-5" })).toThrow(/HUB_LEASE_MS.*"-5"/);
  });

  it("never shows a secret's value in its error", () => {
    const canary = "canary-secret-value-5d1f";
    const plain = defineSettings("plain", { SOME_NUMBER: setting(positiveInt, { doc: "" }) });
    const secret = defineSettings("secret", { SOME_SECRET: setting(positiveInt, { secret: true, doc: "" }) });
    expect(() => plain.read({ SOME_NUMBER: canary })).toThrow(canary);
    expect(() => secret.read({ SOME_SECRET: canary })).toThrow(/SOME_SECRET is malformed/);
    expect(() => secret.read({ SOME_SECRET: canary })).not.toThrow(canary);
  });
});
