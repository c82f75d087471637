/** What a test can see of a host from outside a service: its port, and the processes of a uid. */
import { readdir, readFile } from "node:fs/promises";
import { connect } from "node:net";

/** Whether anything accepts connections on the port of 127.0.0.1 (or of another local address). */
export const listening = (port: number, address = "127.0.0.1") =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, address);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** The ids of the live processes running as this uid (zombies excluded: a container's init may reap late). */
export async function processesOf(uid: number): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    if (!/^State:\s+Z/m.test(status) && new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) found.push(pid);
  }
  return found;
}
