/**
 * The Anthropic client every role's model calls go through: null when no API key is configured
 * (the caller then says what to set). `ANTHROPIC_BASE_URL` points it elsewhere (a proxy, the tests'
 * loopback fake).
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../env.ts";
import { modelSettings } from "../settings/models.ts";
import type { RoleModel } from "./roles.ts";

const MODEL_TIMEOUT_MS = 120_000;

export function modelClient(env: Env, role: Pick<RoleModel, "maxRetries">): Anthropic | null {
  const { ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL } = modelSettings.read(env);
  if (!ANTHROPIC_API_KEY) return null;
  return new Anthropic({
    apiKey: ANTHROPIC_API_KEY,
    baseURL: ANTHROPIC_BASE_URL ?? null,
    maxRetries: role.maxRetries,
    timeout: MODEL_TIMEOUT_MS,
  });
}

/** Whether model calls can be made at all (an API key is configured). */
export const modelConfigured = (env: Env): boolean => Boolean(modelSettings.read(env).ANTHROPIC_API_KEY);
