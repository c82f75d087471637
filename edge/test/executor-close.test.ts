import { CloseCode } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { closeReason } from "../src/executors/sockets.ts";
import { connect, createExecutor, hello, type ScriptedExecutor } from "./executor-socket.ts";

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/** The close the hub sends, or a failure naming what the socket got instead. */
async function closedWithin(socket: ScriptedExecutor, ms: number) {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`not closed within ${ms} ms; got ${socket.inbox.length} frames`)), ms),
  );
  return Promise.race([socket.closed, timeout]);
}

describe("executor socket close reasons", () => {
  it("closes with the policy code after the 20th error, however long the errors' messages", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket);
    // An unknown field is named in the error message: 300 characters of it.
    const invalid = JSON.stringify({ v: 1, type: "heartbeat", running: [], ["x".repeat(300)]: 1 });
    for (let i = 0; i < 1_000; i++) socket.sendRaw(invalid);

    const closed = await closedWithin(socket, 3_000);
    expect(closed.code).toBe(CloseCode.policy);
    expect(closed.reason).toMatch(/^Too many protocol errors; last: /);
    expect(utf8Bytes(closed.reason)).toBeLessThanOrEqual(123);
    const errors = socket.inbox.filter((frame) => frame.type === "error");
    expect(utf8Bytes(errors[0].message)).toBeGreaterThan(123);
    // Twenty answers, then the close: the other 980 frames got none.
    expect(errors).toHaveLength(20);
    expect(new Set(errors.map((frame) => frame.code))).toEqual(new Set(["invalid"]));
  });

  it("closes a connection speaking another version even when the version is long", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    socket.sendRaw(JSON.stringify({ v: "9".repeat(400), type: "hello" }));
    const closed = await closedWithin(socket, 3_000);
    expect(closed.code).toBe(CloseCode.unsupportedVersion);
    expect(closed.reason).toMatch(/^Protocol version "9+…$/);
    expect(socket.inbox).toEqual([]);
  });

  it("cut reasons to 123 UTF-8 bytes between characters", () => {
    expect(closeReason("Silent past the job lease.")).toBe("Silent past the job lease.");
    const exact = "a".repeat(123);
    expect(closeReason(exact)).toBe(exact);
    for (const char of ["a", "é", "€", "🦀"]) {
      const cut = closeReason(char.repeat(200));
      expect(utf8Bytes(cut), char).toBeLessThanOrEqual(123);
      expect(cut, char).toMatch(new RegExp(`^(?:${char})+…$`, "u"));
    }
  });
});
