/**
 * Starting and stopping a project's monitor: the DevOps graph watches each release that went live
 * (and the monitor then checks it on its own schedule); removing a project's service stops it.
 */
import type { Env } from "../env.ts";
import { monitorSettings } from "../settings/monitors.ts";
import type { WatchTarget } from "./monitor-state.ts";

export const serviceMonitor = (env: Env, projectId: string) => env.SERVICE_MONITOR.getByName(projectId);

export async function watchRelease(env: Env, target: WatchTarget): Promise<void> {
  if (!monitorSettings.read(env).MONITORS) return;
  await serviceMonitor(env, target.projectId).watch(target);
}

export async function unwatchProject(env: Env, projectId: string): Promise<void> {
  await serviceMonitor(env, projectId).unwatch();
}
