/**
 * How job containers are named and labelled. The name follows from the job id alone, so every
 * attempt of a job looks for the same container; the labels say whose it is and when it counts
 * as an orphan.
 */
import { createHash } from "node:crypto";

export const LABEL_JOB = "orchestrator.job";
export const LABEL_ATTEMPT = "orchestrator.attempt";
export const LABEL_PROJECT = "orchestrator.project";
/** Epoch seconds after which the daemon's sweep removes the container. */
export const LABEL_EXPIRES = "orchestrator.expires";

/**
 * `co-job-<jobId>`, or `co-job-<jobId>-<role>` for a job that runs several containers one after
 * the other (the Tester's `setup` and `tests`). Docker names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]*`: a
 * job id with anything else gets those characters replaced and a hash of the id appended, so
 * distinct ids stay distinct.
 */
export function containerName(jobId: string, role?: string): string {
  const suffix = role ? `-${role}` : "";
  if (/^[a-zA-Z0-9_.-]+$/.test(jobId)) return `co-job-${jobId}${suffix}`;
  const hash = createHash("sha256").update(jobId).digest("hex").slice(0, 12);
  return `co-job-${jobId.replace(/[^a-zA-Z0-9_.-]/g, "_")}-${hash}${suffix}`;
}

export interface JobLabelsInput {
  jobId: string;
  attempt: number;
  project?: string | undefined;
  ttlSeconds: number;
  /** Epoch ms; defaults to now. */
  now?: number;
}

export function jobLabels(input: JobLabelsInput): Record<string, string> {
  const now = input.now ?? Date.now();
  return {
    [LABEL_JOB]: input.jobId,
    [LABEL_ATTEMPT]: String(input.attempt),
    ...(input.project ? { [LABEL_PROJECT]: input.project } : {}),
    [LABEL_EXPIRES]: String(Math.floor(now / 1000) + input.ttlSeconds),
  };
}

/** The expiry a container's labels carry (epoch seconds), or null when missing or malformed. */
export function expiresOf(labels: Record<string, string> | undefined): number | null {
  const value = labels?.[LABEL_EXPIRES];
  if (value === undefined || !/^\d{1,12}$/.test(value)) return null;
  return Number(value);
}
