/**
 * EnvAnalyzer: every variable of a project's `.env.example` gets a source — `infra` (from the
 * allocation: the port, the public URL), `computed` (a value known now: the example's own
 * default, or one the model gives), `generated` (a random secret, made once per project and kept
 * as a project secret), or `user` (a project secret the user provides). Deterministic rules
 * decide first: the template's comment above a variable ("# user: …"), then well-known names;
 * the model classifies only what is left, and every decision records what made it.
 */
import { z } from "zod";
import type { Env } from "../../env.ts";
import { forcedToolCall } from "../../models/model-call.ts";

export type EnvKind = "infra" | "computed" | "generated" | "user";

export interface EnvEntry {
  name: string;
  /** The example's value (never a real secret: the file is committed). */
  example: string;
  /** The comment lines right above it. */
  comment: string;
  /** The project's manifest marks it as a Telegram bot token (`service.telegramBots`). */
  bot?: boolean;
}

export interface EnvDecision {
  name: string;
  kind: EnvKind;
  /** What decided: `comment`, `manifest`, `name`, `default` or `model`. */
  by: "comment" | "manifest" | "name" | "default" | "model";
  /** The value, for `computed` (infra values come from the allocation when deploying). */
  value?: string;
}

export interface Allocated {
  port: number;
  url: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `.env.example` as entries: `NAME=value` lines with the comment lines above them. */
export function parseEnvExample(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  let comment: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") comment = [];
    else if (line.startsWith("#")) comment.push(line.replace(/^#+\s?/, ""));
    else {
      const at = line.indexOf("=");
      const name = (at < 0 ? line : line.slice(0, at)).replace(/^export\s+/, "").trim();
      if (NAME.test(name)) {
        const value = at < 0 ? "" : line.slice(at + 1).trim();
        entries.push({ name, example: value.replace(/^(['"])(.*)\1$/, "$2"), comment: comment.join("\n") });
      }
      comment = [];
    }
  }
  return entries;
}

const INFRA: Record<string, (allocated: Allocated) => string> = {
  PORT: (allocated) => String(allocated.port),
  PUBLIC_URL: (allocated) => allocated.url,
  BASE_URL: (allocated) => allocated.url,
  APP_URL: (allocated) => allocated.url,
};

/** The value of an infra variable, from the allocation. */
export const infraValue = (name: string, allocated: Allocated): string | undefined =>
  INFRA[name]?.(allocated);

const BOT_MARK = /(?:^|\n)\s*telegram-bot\s*:/i;

/** Marked as a bot token: by the manifest, or by its comment (`telegram-bot: …`). */
const markedBot = (entry: EnvEntry) => entry.bot === true || BOT_MARK.test(entry.comment);

/**
 * Whether the variable holds a Telegram bot token, which the bot pool can fill: its name is
 * `TELEGRAM_BOT_TOKEN`, or it is marked so.
 */
export const isBotVariable = (entry: EnvEntry) => entry.name === "TELEGRAM_BOT_TOKEN" || markedBot(entry);

/** The rules' decision, or null when only the model can tell. */
export function ruleDecision(entry: EnvEntry): EnvDecision | null {
  // A bot token is the user's to give (or the pool's), whatever else its comment says.
  if (markedBot(entry)) return { name: entry.name, kind: "user", by: entry.bot ? "manifest" : "comment" };
  const hint = /(?:^|\n)\s*(infra|computed|generated|user)\s*:/i.exec(entry.comment)?.[1]?.toLowerCase();
  // What the allocation decides (the port, the public URL) always comes from it.
  if (entry.name in INFRA) return { name: entry.name, kind: "infra", by: hint ? "comment" : "name" };
  if (hint) {
    const kind = hint as EnvKind;
    // An infra variable the allocation cannot fill keeps its example value.
    return kind === "computed" || kind === "infra"
      ? computed(entry, "comment")
      : { name: entry.name, kind, by: "comment" };
  }
  const empty = entry.example === "";
  if (empty && /(SECRET|SESSION_KEY|SIGNING_KEY|ENCRYPTION_KEY|JWT_KEY|COOKIE_KEY)$/.test(entry.name))
    return { name: entry.name, kind: "generated", by: "name" };
  if (empty && /(TOKEN|API_KEY|APIKEY|PASSWORD|PASSWD|DSN|CLIENT_SECRET|WEBHOOK_URL)$/.test(entry.name))
    return { name: entry.name, kind: "user", by: "name" };
  if (!empty) return computed(entry, "default");
  return null;
}

const computed = (entry: EnvEntry, by: EnvDecision["by"]): EnvDecision => ({
  name: entry.name,
  kind: "computed",
  by,
  value: entry.example,
});

const Classification = z.strictObject({
  variables: z
    .array(
      z.strictObject({
        name: z.string().regex(NAME),
        kind: z.enum(["computed", "generated", "user"]),
        value: z.string().max(2000).optional().describe("for computed: the value to deploy with"),
      }),
    )
    .max(200),
});

const PROMPT = `You classify the environment variables of a web service about to be deployed.
For each variable say where its value comes from: "computed" (a value you can give now, e.g. a sensible setting; give it in "value"), "generated" (a random secret the deployer makes, e.g. a signing key), or "user" (something only the user has: a credential for another service). Never invent credentials. Call classify_env once, with every variable listed.`;

export interface Analysis {
  decisions: EnvDecision[];
  costUsd: number;
  usage: { input_tokens: number; output_tokens: number };
}

/** Whether the rules leave any variable to the model (then `analyzeEnv` calls it, and it is paid for). */
export const needsModel = (entries: EnvEntry[]) => entries.some((entry) => ruleDecision(entry) === null);

/** The rules' decisions, and the model's for the rest (one call, only when some are left). */
export async function analyzeEnv(env: Env, service: string, entries: EnvEntry[]): Promise<Analysis> {
  const decided = entries.map((entry) => ({ entry, decision: ruleDecision(entry) }));
  const open = decided.filter(({ decision }) => decision === null).map(({ entry }) => entry);
  const byModel = new Map<string, EnvDecision>();
  let costUsd = 0;
  let usage = { input_tokens: 0, output_tokens: 0 };
  if (open.length > 0) {
    const answer = await forcedToolCall(env, {
      role: "env-analyzer",
      caller: "The EnvAnalyzer",
      system: PROMPT,
      prompt: `Service: ${service}\n\nVariables (name, the comment above it):\n${open
        .map((entry) => `- ${entry.name}${entry.comment ? `: ${entry.comment.replace(/\n/g, " ")}` : ""}`)
        .join("\n")}`,
      tool: {
        name: "classify_env",
        description: "Where each variable's value comes from.",
        input: Classification,
      },
    });
    costUsd = answer.costUsd;
    usage = answer.usage;
    for (const item of answer.input.variables)
      byModel.set(item.name, {
        name: item.name,
        kind: item.kind,
        by: "model",
        ...(item.kind === "computed" ? { value: item.value ?? "" } : {}),
      });
  }
  const decisions = decided.map(
    ({ entry, decision }) =>
      // A variable the model skipped is the user's to give: never guessed.
      decision ??
      byModel.get(entry.name) ?? { name: entry.name, kind: "user" as const, by: "model" as const },
  );
  return { decisions, costUsd, usage };
}
