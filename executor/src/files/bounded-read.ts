/** Reading at most a given number of bytes from an open file: repository files are untrusted in size. */
import type { FileHandle } from "node:fs/promises";

/**
 * The file's bytes, or null when it holds more than `maxBytes` (one byte over the limit is read to
 * tell a file that grew since it was measured).
 */
export async function readAtMost(handle: FileHandle, maxBytes: number): Promise<Buffer | null> {
  const buffer = Buffer.alloc(maxBytes + 1);
  let length = 0;
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length > maxBytes ? null : buffer.subarray(0, length);
}
