/**
 * `debian:bookworm-slim` in a test engine, for the Compose tests: the image third-party Dockerfiles
 * start FROM, which no registry can bring here. `scripts/test-images.sh` makes its root file system
 * with mmdebstrap from Debian's packages (once per recipe, cached), with the packages the fixture's
 * Dockerfiles would `apt-get install` already in it; it is imported under the registry's name into
 * an engine of the tests' own (never an engine found running: its real image would be shadowed).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import path from "node:path";
import { hasImage, type TestEngine } from "./docker-engine.ts";

export const DEBIAN_IMAGE = "debian:bookworm-slim";
const SCRIPT = path.resolve(import.meta.dirname, "../../../scripts/test-images.sh");

/** Imports the image into an engine the tests started, building its root file system when not cached. */
export async function ensureDebianImage(engine: TestEngine): Promise<void> {
  if (!engine.owned) throw new Error(`${DEBIAN_IMAGE} is imported only into an engine the tests started`);
  if (await hasImage(engine.docker, DEBIAN_IMAGE)) return;
  const tarball = execFileSync("bash", [SCRIPT], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const [repo, tag] = DEBIAN_IMAGE.split(":");
  const changes = ['CMD ["bash"]', "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  const stream = await engine.docker.importImage(createReadStream(tarball), { repo, tag, changes } as object);
  await new Promise<void>((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
  );
}
