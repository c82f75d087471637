/**
 * The services deploy_project started under a deploy root (process manager), stopped after a test,
 * and their projects' Unix users removed; and the proxy (Caddy) deploys started there.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { projectUserOf } from "../../executor/test/support/deploy-target.ts";
import { stopProxy } from "../../executor/test/support/proxy.ts";

export function stopDeployedServices(deployRoot: string): void {
  if (!existsSync(deployRoot)) return;
  for (const project of readdirSync(deployRoot)) {
    const control = path.join(deployRoot, project, "bin", "co-app-ctl");
    if (existsSync(control)) spawnSync("/bin/sh", [control, "stop"], { stdio: "ignore", timeout: 30_000 });
    spawnSync("userdel", [projectUserOf(project)], { stdio: "ignore" });
  }
  stopProxy(deployRoot);
}
