/**
 * `http_check` jobs: one GET of a health URL (get.ts). Whatever the URL answers, the check ran:
 * the job succeeds and its result says what came back; it fails only when cancelled or past its
 * deadline. It writes no log: the result is the whole record, and a log would cost the hub a
 * write and an archive for every check a monitor makes.
 */
import type { HttpCheckSpec } from "@codegen-orchestrator/shared";
import type { Runner } from "../../jobs/runner.ts";
import { getHealth } from "./get.ts";

export const runHttpCheck: Runner<HttpCheckSpec> = async (spec, context) => {
  const output = await getHealth(spec.url, spec.timeoutMs, context.signal, spec);
  return output ? { status: "succeeded", output } : { status: "cancelled", output: undefined };
};
