/**
 * The hub's alarm: while any job is queued or active, logs await archiving or events await
 * delivery, it fires a few times per lease to sweep leases, archive logs and deliver events.
 */
import { CloseCode } from "@codegen-orchestrator/shared";
import type { HubParts } from "./hub-parts.ts";
import { sweepLeases } from "./leases.ts";

type AlarmParts = Pick<
  HubParts,
  "store" | "logs" | "archiver" | "events" | "sockets" | "config" | "waitUntil"
>;

/** Light jobs that ended longer ago than this are forgotten; checked at most this often. */
const LIGHT_JOB_RETENTION_MS = 24 * 3600_000;
const FORGET_EVERY_MS = 3600_000;

export class HubAlarm {
  readonly #storage: DurableObjectStorage;
  readonly #parts: AlarmParts;
  /** Known to have an alarm set: spares a storage read on every dispatch. Reset when it fires. */
  #armed = false;
  /** When old light jobs were last forgotten (in memory: a new instance does it at its first sweep). */
  #forgotAt = 0;

  constructor(storage: DurableObjectStorage, parts: AlarmParts) {
    this.#storage = storage;
    this.#parts = parts;
  }

  /** After each dispatch pass: sets the alarm if there is work and none is known to be set. */
  armIfNeeded(): void {
    if (!this.#armed) this.#parts.waitUntil(this.#arm());
  }

  async #arm(): Promise<void> {
    if ((await this.#storage.getAlarm()) !== null) {
      this.#armed = true;
      return;
    }
    if (this.#busy()) {
      this.#armed = true;
      await this.#storage.setAlarm(Date.now() + this.#parts.config.sweepMs);
    }
  }

  #busy(): boolean {
    const { store, logs, events } = this.#parts;
    return (
      store.hasActive() ||
      store.hasQueued() ||
      logs.jobsWithUnarchived().length > 0 ||
      events.nextDue() !== null
    );
  }

  /** The alarm's work, short of dispatching (the hub does that next). */
  async sweep(): Promise<void> {
    this.#armed = false;
    const { store, logs, archiver, events, sockets, config } = this.#parts;
    const { silent, cancels } = sweepLeases(store, config.leaseMs, Date.now());
    sockets.sendCancels(cancels);
    // An executor silent past a lease is treated as gone: close its socket so that it reconnects
    // and reconciles, rather than handing it more work it may never answer.
    for (const executorId of silent)
      sockets.close(executorId, CloseCode.silent, "Silent past the job lease.");
    // Archive what is left of quiet or finished jobs' logs (and retry failed writes).
    await Promise.all(logs.jobsWithUnarchived().map((jobId) => archiver.archive(jobId, true)));
    // Tell waiting workflows about jobs finished by the sweep, and retry refused deliveries.
    await events.deliver(Date.now());
    // A monitor's checks and watches add a row each: a day later nothing needs them.
    const now = Date.now();
    if (now - this.#forgotAt >= FORGET_EVERY_MS) {
      store.forgetLightJobs(now - LIGHT_JOB_RETENTION_MS);
      this.#forgotAt = now;
    }
  }
}
