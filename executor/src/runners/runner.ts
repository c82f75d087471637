/** What every job runner gets and returns, whatever the job kind. */
import type { FinalStatus } from "@codegen-orchestrator/shared";

export interface RunContext {
  jobId: string;
  attempt: number;
  /** A fresh, empty directory for this attempt; removed when the job ends. */
  workdir: string;
  /** Epoch ms: stop the job then and report `timed_out`. */
  deadlineAt: number;
  /** Kept between jobs (e.g. git templates, per commit); the runner's own subdirectory. */
  cacheDir: string;
  /** Where relative template paths of `copier` jobs resolve. */
  templatesDir: string;
  /** The playbooks `ansible` jobs run (the repository's `ansible/` folder). */
  ansibleDir: string;
  /** Values for the job's process only; never logged. */
  secrets: Readonly<Record<string, string>>;
  /** Aborted when the hub cancels the job or the daemon hands it back. */
  signal: AbortSignal;
  log(stream: "stdout" | "stderr" | "system", chunk: string): void;
}

export interface RunOutcome {
  status: FinalStatus;
  output: unknown;
  error?: string;
}

export type Runner<Spec> = (spec: Spec, context: RunContext) => Promise<RunOutcome>;
