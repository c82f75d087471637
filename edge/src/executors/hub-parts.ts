/** The pieces the ExecutorHub wires together; each of its modules takes only those it needs. */
import type { HubConfig } from "./config.ts";
import type { ExecutorProfiles } from "./executor-profiles.ts";
import type { JobEvents } from "./job-events.ts";
import type { JobStore } from "./job-store.ts";
import type { LogArchiver } from "./log-archiver.ts";
import type { LogStore } from "./log-store.ts";
import type { ExecutorSockets } from "./sockets.ts";

export interface HubParts {
  store: JobStore;
  profiles: ExecutorProfiles;
  logs: LogStore;
  archiver: LogArchiver;
  events: JobEvents;
  sockets: ExecutorSockets;
  config: HubConfig;
  /** The Durable Object's `ctx.waitUntil`: work that outlives the message or call that began it. */
  waitUntil: (promise: Promise<unknown>) => void;
}
