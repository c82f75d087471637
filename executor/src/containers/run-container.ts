/**
 * Running a created job container to its end: attach, start, write its stdin (when it has one),
 * stream its output as it comes, wait; cancel and the deadline stop it (the stop signal, then
 * SIGKILL after a grace); its end state is read, and whatever happens it is removed at the end,
 * then the files of its secrets.
 */

import type { RunContext } from "../jobs/runner.ts";
import { KILL_GRACE_MS } from "../process/run-process.ts";
import { Demuxer, type OutputStream } from "./demux.ts";
import { engineMessage } from "./engine.ts";
import type { JobContainer } from "./job-container.ts";
import { removeContainer, stopContainer } from "./lifecycle.ts";
import { WRAPPER_NAME } from "./secret-files.ts";

/** After the container exits, how long its output stream may take to end. */
const DRAIN_WAIT_MS = 5_000;

/** Where a container's output goes, stream by stream. */
export interface OutputSink {
  write(stream: OutputStream, text: string): void;
}

export interface ContainerRunOptions {
  context: Pick<RunContext, "signal" | "deadlineAt" | "log">;
  /** Between the stop signal and SIGKILL (in whole seconds); default the runners' common grace. */
  graceMs?: number | undefined;
  output: OutputSink;
  /**
   * Written to the container's stdin, which is then closed. The container must have been created
   * with `OpenStdin`, `StdinOnce` and `AttachStdin`.
   */
  stdin?: string;
}

export interface ContainerRun {
  exitCode: number | null;
  oomKilled: boolean;
  runtime: string;
  stoppedBy: "cancelled" | "timed_out" | null;
  startError: string | null;
}

/**
 * Attaches, starts, waits (or stops it at cancel/deadline), reads its end state, removes it and
 * the files of its secrets.
 */
export async function runJobContainer(
  job: JobContainer,
  options: ContainerRunOptions,
): Promise<ContainerRun> {
  const { container } = job;
  const { context } = options;
  const graceSeconds = Math.max(0, Math.ceil((options.graceMs ?? KILL_GRACE_MS) / 1000));
  let stoppedBy: ContainerRun["stoppedBy"] = null;
  let running = false;
  let stopping: Promise<void> | undefined;
  const requestStop = () => {
    stopping ??= stopContainer(container, graceSeconds).then((error) => {
      if (error) context.log("system", `stopping the container: ${error}\n`);
    });
  };
  const stop = (reason: "cancelled" | "timed_out") => {
    if (stoppedBy) return;
    stoppedBy = reason;
    context.log(
      "system",
      `${reason === "cancelled" ? "cancelled" : "deadline reached"}: stopping the container\n`,
    );
    if (running) requestStop();
  };
  const onAbort = () => stop("cancelled");
  context.signal.addEventListener("abort", onAbort, { once: true });
  if (context.signal.aborted) onAbort();
  const deadline = setTimeout(() => stop("timed_out"), Math.max(0, context.deadlineAt - Date.now()));

  let startError: string | null = null;
  let drained: Promise<void> = Promise.resolve();
  try {
    if (!stoppedBy) {
      const { stdin } = options;
      // With stdin the connection is hijacked: a raw duplex socket to write the input into.
      const stream = (await container.attach({
        stream: true,
        stdout: true,
        stderr: true,
        ...(stdin !== undefined ? { stdin: true, hijack: true } : {}),
      })) as NodeJS.ReadWriteStream & { destroy?: () => void };
      drained = pipeOutput(stream, options.output);
      try {
        await container.start();
        running = true;
      } catch (error) {
        startError = engineMessage(error);
        stream.destroy?.();
      }
      if (running && stdin !== undefined) {
        stream.on("error", () => {}); // The command may exit without reading its input.
        // Ending our side closes the container's stdin (StdinOnce); its output still comes back.
        stream.end(stdin);
      }
      // Cancelled or timed out while starting.
      if (running && stoppedBy) requestStop();
      if (running) await container.wait();
    }
    await stopping;
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_WAIT_MS).unref())]);
    const state = await container.inspect().catch(() => null);
    return {
      exitCode: running ? (state?.State.ExitCode ?? null) : null,
      oomKilled: state?.State.OOMKilled ?? false,
      runtime: state?.HostConfig.Runtime ?? "unknown",
      stoppedBy,
      startError,
    };
  } finally {
    clearTimeout(deadline);
    context.signal.removeEventListener("abort", onAbort);
    const error = await removeContainer(container);
    if (error) context.log("system", `removing the container: ${error}\n`);
    // Even when the container could not be removed: a secret is not left on disk for it.
    await job.secretFiles?.remove();
  }
}

/**
 * Why a container's command could not be executed, when it could not: with an init in front
 * (`HostConfig.Init`) or the secrets' wrapper (secret-files.ts), the container starts anyway, and
 * Docker's init (tini) or the wrapper exits with 127 saying `exec <command> failed: <reason>` on
 * stderr.
 */
export function initExecFailure(exitCode: number | null, stderr: string): string | null {
  if (exitCode !== 127) return null;
  const said = new RegExp(`^(?:\\[FATAL tini \\(\\d+\\)\\]|${WRAPPER_NAME}:) (exec .* failed: .*)$`, "m");
  return said.exec(stderr)?.[1] ?? null;
}

/** Demuxes the attach stream into the sink; resolves when it ends. */
function pipeOutput(stream: NodeJS.ReadableStream, sink: OutputSink): Promise<void> {
  const demuxer = new Demuxer((name, text) => sink.write(name, text));
  return new Promise((resolve) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      demuxer.end();
      resolve();
    };
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  });
}
