/**
 * Images the Docker tests need and no registry can bring here, made by `scripts/test-images.sh`
 * with mmdebstrap from Debian's packages (once per recipe, cached) and imported into an engine of
 * the tests' own (never an engine found running: a real image of that name would be shadowed):
 *
 * - `debian:bookworm-slim`: what third-party Dockerfiles start FROM, with the packages the Compose
 *   fixture's Dockerfiles would `apt-get install` already in it;
 * - `co-test/docker-inside:1`: the Tester's image for tests that need Docker (dockerd, the CLI,
 *   docker-compose, make, setpriv);
 * - `co-test/provision-target:1`: a fresh server for provisioning (an SSH server, python3, sudo);
 * - `co-test/systemd-target:1`: the same with systemd as its init (support/systemd-target.ts).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import path from "node:path";
import { hasImage, type TestEngine } from "./docker-engine.ts";

export const DEBIAN_IMAGE = "debian:bookworm-slim";
export const DOCKER_INSIDE_IMAGE = "co-test/docker-inside:1";
export const PROVISION_TARGET_IMAGE = "co-test/provision-target:1";
export const SYSTEMD_TARGET_IMAGE = "co-test/systemd-target:1";
const SCRIPT = path.resolve(import.meta.dirname, "../../../scripts/test-images.sh");
const RECIPES: Record<string, string> = {
  [DEBIAN_IMAGE]: "debian",
  [DOCKER_INSIDE_IMAGE]: "docker",
  [PROVISION_TARGET_IMAGE]: "target",
  [SYSTEMD_TARGET_IMAGE]: "systemd",
};

/** Imports the image into an engine the tests started, building its root file system when not cached. */
export async function ensureRootfsImage(engine: TestEngine, image: string): Promise<void> {
  if (!engine.owned) throw new Error(`${image} is imported only into an engine the tests started`);
  if (await hasImage(engine.docker, image)) return;
  const tarball = execFileSync("bash", [SCRIPT, RECIPES[image] ?? "?"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const [repo, tag] = image.split(":");
  const changes = ['CMD ["bash"]', "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  const stream = await engine.docker.importImage(createReadStream(tarball), { repo, tag, changes } as object);
  await new Promise<void>((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
  );
}

/** Saves an image of the engine as a `docker save` tarball in `dir` (what `docker load` reads). */
export async function saveImage(engine: TestEngine, image: string, file: string): Promise<void> {
  execFileSync("docker", ["--host", engine.host, "save", "--output", file, image], { stdio: "inherit" });
}
