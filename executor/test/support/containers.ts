/** Looking at job containers from tests: inspect by name, bounded waits, the engine's events. */
import type Docker from "dockerode";
import type { DockerEngine } from "../../src/containers/engine.ts";

/** How long a container may take to show up, or a run to end after a stop. */
export const WAIT_MS = 15_000;

/** The job containers (by the `orchestrator.job` label) whose job id starts with `prefix`. */
export const jobContainers = async (docker: DockerEngine, prefix: string) =>
  (await docker.listContainers({ all: true, filters: { label: ["orchestrator.job"] } })).filter((c) =>
    c.Labels["orchestrator.job"]?.startsWith(prefix),
  );

/** Removes those containers (none are left when the jobs work); returns their names. */
export async function removeJobContainers(docker: DockerEngine, prefix: string): Promise<string[]> {
  const left = await jobContainers(docker, prefix);
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
  return left.flatMap((c) => c.Names);
}

/** A container's inspection, or null when there is no such container. */
export function inspectContainer(
  docker: DockerEngine,
  name: string,
): Promise<Docker.ContainerInspectInfo | null> {
  return docker
    .getContainer(name)
    .inspect()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return null;
      throw error;
    });
}

/** Polls `probe` until it gives a value, for at most `WAIT_MS`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The container's inspection once it runs. */
export const waitRunning = (docker: DockerEngine, name: string) =>
  waitFor(`${name} to run`, async () => {
    const found = await inspectContainer(docker, name);
    return found?.State.Running ? found : null;
  });

export interface ContainerEvent {
  /** create, start, die, destroy… */
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** What the engine recorded of a job's containers (by the job label) since `since` (epoch seconds). */
export async function jobContainerEvents(
  docker: DockerEngine,
  jobId: string,
  since: number,
): Promise<ContainerEvent[]> {
  const stream = (await docker.getEvents({
    since,
    until: Math.floor(Date.now() / 1000) + 1,
    filters: { type: ["container"], label: [`orchestrator.job=${jobId}`] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ContainerEvent);
}
