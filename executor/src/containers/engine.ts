/**
 * The one place a Docker engine client is made: `DOCKER_HOST` when set (with docker-modem's own
 * reading of it: unix://, tcp://, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), else the default socket.
 * dockerode is loaded on first use only, so a daemon on a host without an engine never carries it
 * (the executor bundle also leaves out its ssh2 and gRPC parts: see scripts/build-executor.ts).
 */
import { existsSync } from "node:fs";
import type Docker from "dockerode";

export type DockerEngine = Docker;

export const DEFAULT_SOCKET = "/var/run/docker.sock";

/** Where the engine is, as `DOCKER_HOST` would say it. */
export const engineAddress = (host = process.env.DOCKER_HOST): string => host || `unix://${DEFAULT_SOCKET}`;

/**
 * Whether an engine may be there, without asking it: false only for a unix socket that does not
 * exist (the usual "no Docker on this host"); remote engines are assumed present.
 */
export function enginePossiblyPresent(host = process.env.DOCKER_HOST): boolean {
  const address = engineAddress(host);
  return !address.startsWith("unix://") || existsSync(address.slice("unix://".length));
}

const clients = new Map<string, Promise<DockerEngine>>();

/**
 * A client for `host` (default: `DOCKER_HOST`, else the default socket), one per address. An
 * explicit host other than `DOCKER_HOST` must be `unix://…` (the other schemes take their TLS
 * settings from the environment).
 */
export function dockerEngine(host = process.env.DOCKER_HOST): Promise<DockerEngine> {
  const address = engineAddress(host);
  let client = clients.get(address);
  if (!client) {
    client = import("dockerode").then(({ default: Dockerode }) => {
      if (address.startsWith("unix://"))
        return new Dockerode({ socketPath: address.slice("unix://".length) });
      if (address !== process.env.DOCKER_HOST)
        throw new Error(`An engine address other than DOCKER_HOST must be unix://…, not ${address}`);
      return new Dockerode();
    });
    clients.set(address, client);
  }
  return client;
}

/** Where a client's engine is, for messages. */
export function describeEngine(docker: DockerEngine): string {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: string; protocol?: string };
  if (typeof modem.socketPath === "string") return `unix://${modem.socketPath}`;
  if (modem.host) return `${modem.protocol ?? "http"}://${modem.host}${modem.port ? `:${modem.port}` : ""}`;
  return engineAddress();
}

/** What an engine API error says, without the HTTP framing. */
export function engineMessage(error: unknown): string {
  const err = error as { json?: { message?: unknown }; message?: string; code?: string };
  if (typeof err?.json?.message === "string") return err.json.message.trim();
  return (err?.message ?? String(error)).trim();
}

/** The HTTP status of an engine API error (404, 409…), or undefined for transport errors. */
export const engineStatus = (error: unknown): number | undefined =>
  (error as { statusCode?: number })?.statusCode;
