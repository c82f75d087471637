/** Stopping and removing containers, tolerant of ones that are already stopped or gone. */
import type Docker from "dockerode";
import { engineMessage, engineStatus } from "./engine.ts";

/**
 * `docker stop`: the image's stop signal (SIGTERM unless it says otherwise), SIGKILL after
 * `graceSeconds`. Resolves once it stopped; a container already stopped or gone is fine. When the
 * engine refuses the stop, a kill is tried; the error is returned for the log.
 */
export async function stopContainer(
  container: Docker.Container,
  graceSeconds: number,
): Promise<string | null> {
  try {
    await container.stop({ t: graceSeconds });
    return null;
  } catch (error) {
    const status = engineStatus(error);
    if (status === 304 || status === 404) return null;
    await container.kill().catch(() => {});
    return engineMessage(error);
  }
}

/** Removes a container, killing it when it runs; resolves null when done or already gone. */
export async function removeContainer(container: Docker.Container): Promise<string | null> {
  try {
    await container.remove({ force: true, v: true });
    return null;
  } catch (error) {
    const status = engineStatus(error);
    // 404: gone already. 409: "removal already in progress" (an orphan sweep got there first).
    if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(error)))) return null;
    return engineMessage(error);
  }
}
