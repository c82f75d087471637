/**
 * The Anthropic client every role's model calls go through: null when no API key is configured
 * (the caller then says what to set). `ANTHROPIC_BASE_URL` points it elsewhere (a proxy, the tests'
 * loopback fake).
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../env.ts";
import type { ModelSettings } from "./settings.ts";

const MODEL_TIMEOUT_MS = 120_000;

export function modelClient(env: Env, settings: Pick<ModelSettings, "maxRetries">): Anthropic | null {
  if (!env.ANTHROPIC_API_KEY) return null;
  return new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY,
    baseURL: env.ANTHROPIC_BASE_URL || null,
    maxRetries: settings.maxRetries,
    timeout: MODEL_TIMEOUT_MS,
  });
}
