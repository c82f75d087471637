/**
 * A RunContext for the deploy benchmarks' `ansible` jobs: its own work dir, the SSH key as the
 * `KEY` secret, five minutes, and the job's log lines handed to `log` (or dropped).
 */
import type { RunContext } from "../../executor/src/jobs/runner.ts";

export function benchJobContext(
  job: { id: string; workdir: string; ansibleDir: string; sshKey: string },
  log: RunContext["log"] = () => {},
): RunContext {
  return {
    jobId: `bench-${job.id}`,
    attempt: 1,
    workdir: job.workdir,
    cacheDir: job.workdir,
    templatesDir: job.workdir,
    ansibleDir: job.ansibleDir,
    deadlineAt: Date.now() + 300_000,
    secrets: { KEY: job.sshKey },
    signal: new AbortController().signal,
    log,
    progress: () => {},
  };
}
