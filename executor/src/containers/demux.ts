/**
 * Docker's multiplexed attach/logs stream (a container without a TTY): frames of an 8-byte header
 * (stream type: 1 stdout, 2 stderr; 3 bytes zero; big-endian uint32 payload size) and the payload.
 * Frames may be split across, or packed into, chunks in any way. Payloads are decoded as UTF-8 per
 * stream, so a character split between frames is not mangled.
 */
import { StringDecoder } from "node:string_decoder";

export type OutputStream = "stdout" | "stderr";

export class Demuxer {
  #pending: Buffer = Buffer.alloc(0);
  readonly #decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  readonly #emit: (stream: OutputStream, text: string) => void;

  constructor(emit: (stream: OutputStream, text: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let offset = 0;
    while (this.#pending.length - offset >= 8) {
      const size = this.#pending.readUInt32BE(offset + 4);
      if (this.#pending.length - offset - 8 < size) break;
      // 0 is stdin (never sent back); anything but stderr is reported as stdout.
      const stream: OutputStream = this.#pending[offset] === 2 ? "stderr" : "stdout";
      const text = this.#decoders[stream].write(this.#pending.subarray(offset + 8, offset + 8 + size));
      if (text) this.#emit(stream, text);
      offset += 8 + size;
    }
    this.#pending = offset === 0 ? this.#pending : this.#pending.subarray(offset);
  }

  /** The end of the stream: what is left undecoded (an incomplete character or frame). */
  end(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const text = this.#decoders[stream].end();
      if (text) this.#emit(stream, text);
    }
    this.#pending = Buffer.alloc(0);
  }
}
