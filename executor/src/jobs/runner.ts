/**
 * What every job runner gets and returns, whatever the job kind; and `maskingSecrets`, which every
 * registered runner is wrapped in (kinds/index.ts).
 */
import type { FinalStatus } from "@codegen-orchestrator/shared";
import type { JobUser } from "../process/job-users.ts";
import { maskedJobLog } from "../process/mask.ts";

export interface RunContext {
  jobId: string;
  attempt: number;
  /** A fresh, empty directory for this attempt (the job user's, when there is one); removed when the job ends. */
  workdir: string;
  /**
   * For a job that runs code on this host (jobs/host-code.ts), the user its processes run as, who owns
   * the workdir; absent when they run as the daemon (a job that runs none; or no way to switch
   * users, where allowed). Processes of the daemon's own (git with credentials) never take it.
   */
  user?: JobUser;
  /** Epoch ms: stop the job then and report `timed_out`. */
  deadlineAt: number;
  /** Kept between jobs (e.g. git templates, per commit); the runner's own subdirectory. */
  cacheDir: string;
  /** Where relative template paths of `copier` jobs resolve. */
  templatesDir: string;
  /** The orchestrator this executor serves (the URL it dials): what an agent's `mcp` defaults to. */
  orchestratorUrl?: string;
  /** The playbooks `ansible` jobs run (the repository's `ansible/` folder). */
  ansibleDir: string;
  /** `docker save` tarballs loaded into the engine of every Docker-inside test container (--docker-inside-images). */
  dockerImagesDir?: string | undefined;
  /** Values for the job's process only; masked in the log and the error (`maskingSecrets`). */
  secrets: Readonly<Record<string, string>>;
  /** Aborted when the hub cancels the job or the daemon hands it back. */
  signal: AbortSignal;
  /**
   * Aborted when the daemon starts draining (SIGTERM): a job that can end early with what it has
   * (a watch reports its checks) ends now rather than hold the drain up.
   */
  draining?: AbortSignal;
  log(stream: "stdout" | "stderr" | "system", chunk: string): void;
  /**
   * How far the job has got, for whoever watches it: real figures only ("deploy_project: 12/30
   * tasks", with `percent`), or the phase it is in. Advisory: the daemon may coalesce or drop it.
   */
  progress(message: string, percent?: number): void;
}

export interface RunOutcome {
  status: FinalStatus;
  output: unknown;
  error?: string;
  /** What the job cost in US dollars (an agent's model usage, as its CLI reports it), when known. */
  costUsd?: number;
}

export type Runner<Spec> = (spec: Spec, context: RunContext) => Promise<RunOutcome>;

/**
 * `runner` with the job's secret values masked in everything it logs (also split between chunks,
 * and each line of a multi-line value), in its progress and in its error, thrown or returned: one
 * place for every job kind, so that no runner leaks a secret by forgetting to mask it. Results
 * are the runners' own to mask (their text is data: masking it here could break it).
 */
export function maskingSecrets<Spec>(runner: Runner<Spec>): Runner<Spec> {
  return async (spec, context) => {
    const masked = maskedJobLog(context.log, Object.values(context.secrets));
    try {
      const progress = (message: string, percent?: number) => context.progress(masked.hide(message), percent);
      const outcome = await runner(spec, { ...context, log: masked.log, progress });
      return outcome.error === undefined ? outcome : { ...outcome, error: masked.hide(outcome.error) };
    } catch (error) {
      if (error instanceof Error) error.message = masked.hide(error.message);
      throw error;
    } finally {
      masked.end();
    }
  };
}
