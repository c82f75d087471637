/** What every engine is asked: `copier copy`'s own options. */
import type { JobUser } from "../process/job-users.ts";

export type ScaffoldLog = (stream: "stdout" | "stderr" | "system", chunk: string) => void;

export interface CopyOptions {
  destination: string;
  /** Answers by question name. */
  data: Record<string, unknown>;
  /** Unanswered questions take their defaults (`--defaults`). */
  defaults: boolean;
  /** Run the template's tasks (`--trust`). */
  trust: boolean;
  overwrite?: boolean;
  skipTasks?: boolean;
  /**
   * Write the answers file even when the template has no template of its own for it (Copier
   * writes none then): so that a project records where it came from. The pipeline asks for it.
   */
  recordAnswers?: boolean;
  signal?: AbortSignal;
  deadlineAt?: number;
  /** Status lines ("create x"), task output and messages. */
  log: ScaffoldLog;
  /**
   * For a job: the user tasks and the copier CLI run as, given the destination; once they are
   * done, every process of theirs is stopped before the destination is read again.
   */
  user?: JobUser;
}
