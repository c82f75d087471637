/**
 * SecretResolver and Readiness: generated secrets are made once per project (kept as project
 * secrets, so redeploys keep them); each user-provided value that is missing is asked for in the
 * chat (the secret flow: the message is deleted, the value sealed into D1) or through the API,
 * and the run waits, up to a week, holding nothing but its state. A Telegram bot token is taken
 * from the bot pool first (pool-bots.ts): the user is asked only when the pool is empty. Events
 * carry names only.
 */
import { database } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { missingSecrets } from "../../domain/missing-secrets.ts";
import { beginStep, endStep, markWaiting } from "../../domain/run-steps.ts";
import { putSecret, secretsKeyring } from "../../domain/secrets.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { secretEvent } from "../steps/secret-wait.ts";
import { timelineStep } from "../steps/timeline.ts";
import { type EnvDecision, type EnvEntry, isBotVariable } from "./env-analyzer.ts";
import { fillFromPool } from "./pool-bots.ts";

/** One wait lasts an hour; after a week without the value the run ends, saying how to go on. */
const WAIT = "1 hour";
const MAX_WAITS = 7 * 24;

export interface SecretNeeds {
  slug: string;
  /** Who the generated secrets are stored as (the project's owner). */
  actor: Actor;
  decisions: EnvDecision[];
  entries: EnvEntry[];
}

const randomSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

export async function resolveSecrets(
  pipeline: Pipeline,
  needs: SecretNeeds,
): Promise<{ error: string | null }> {
  const { env, projectId } = pipeline;
  const names = (kind: EnvDecision["kind"]) =>
    needs.decisions.filter((d) => d.kind === kind).map((d) => d.name);
  const botNames = new Set(needs.entries.filter(isBotVariable).map((entry) => entry.name));
  const missing = await timelineStep(pipeline, "secrets", async (db) => {
    const generate = await missingSecrets(db, projectId, names("generated"));
    const keyring = await secretsKeyring(env);
    for (const name of generate) await putSecret(db, keyring, needs.actor, projectId, name, randomSecret());
    const fromUser = await missingSecrets(db, projectId, names("user"));
    const bots = fromUser.filter((name) => botNames.has(name));
    const asked = fromUser.filter((name) => !botNames.has(name));
    // Bot tokens go to the pool first (their own steps); the user is asked for them only if it is empty.
    const detail = { generated: generate, asked, ...(bots.length > 0 ? { bots } : {}) };
    return { status: "succeeded", detail, value: fromUser };
  });
  const pooled = missing.filter((name) => botNames.has(name));
  const unfilled = new Set(await fillFromPool(pipeline, pooled, needs.actor.userId));
  const ask = missing.filter((name) => !botNames.has(name) || unfilled.has(name));
  for (const name of ask) {
    const error = await waitForSecret(pipeline, needs, name);
    if (error) return { error };
  }
  return { error: null };
}

/** Asks the user for one secret and waits until it is stored; the reason to stop when it never is. */
async function waitForSecret(pipeline: Pipeline, needs: SecretNeeds, name: string): Promise<string | null> {
  const { env, step, runId, projectId } = pipeline;
  const label = `secret ${name}`;
  const description =
    needs.entries.find((entry) => entry.name === name)?.comment.replace(/^user:\s*/i, "") ?? "";
  await step.do(`${label}: ask`, async () => {
    const db = database(env.DB);
    await beginStep(db, runId, label);
    await markWaiting(db, runId, true);
    await pipeline.chat.requestRunSecret(runId, { projectId, projectSlug: needs.slug, name, description });
  });
  await pipeline.progress(
    "secrets",
    `🔑 Waiting for ${name}: send it when I ask (your message is deleted), or /secret ${needs.slug} ${name}.`,
  );
  for (let round = 0; ; round++) {
    try {
      await step.waitForEvent(`${label}: wait ${round}`, { type: secretEvent(name), timeout: WAIT });
    } catch {
      // An hour without the event: look for the value anyway (it may have come another way).
    }
    const stored = await step.do(`${label}: check ${round}`, async () => {
      return (await missingSecrets(database(env.DB), projectId, [name])).length === 0;
    });
    if (stored) break;
    if (round + 1 >= MAX_WAITS) {
      await step.do(`${label}: gave up`, () =>
        endStep(database(env.DB), runId, label, "failed", { waited: "7 days" }),
      );
      return `No value for ${name} came within a week: set it with /secret ${needs.slug} ${name}, then deploy again.`;
    }
  }
  await step.do(`${label}: stored`, async () => {
    const db = database(env.DB);
    await markWaiting(db, runId, false);
    await endStep(db, runId, label, "succeeded", null);
  });
  return null;
}
