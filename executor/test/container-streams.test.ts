/** The container runner's stream handling: Docker's multiplexed stream, secret masking, names, labels. */
import { describe, expect, it } from "vitest";
import { Demuxer } from "../src/containers/demux.ts";
import { containerName, expiresOf, jobLabels } from "../src/containers/labels.ts";
import { MASK, SecretMasker } from "../src/process/mask.ts";

const frame = (stream: 1 | 2, text: string | Buffer) => {
  const payload = typeof text === "string" ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

function demux(chunks: Buffer[]) {
  const out = { stdout: "", stderr: "" };
  const demuxer = new Demuxer((stream, text) => {
    out[stream] += text;
  });
  for (const chunk of chunks) demuxer.push(chunk);
  demuxer.end();
  return out;
}

describe("Demuxer", () => {
  it("splits frames however the chunks cut them, and keeps UTF-8 split between frames whole", () => {
    const euro = Buffer.from("€"); // 3 bytes
    const whole = Buffer.concat([
      frame(1, "out 1\n"),
      frame(2, "err 1\n"),
      frame(1, euro.subarray(0, 1)),
      frame(1, Buffer.concat([euro.subarray(1), Buffer.from("\n")])),
      frame(2, ""),
      frame(2, "err 2\n"),
    ]);
    const expected = { stdout: "out 1\n€\n", stderr: "err 1\nerr 2\n" };
    expect(demux([whole])).toEqual(expected);
    for (const size of [1, 3, 7, 8, 9, 13]) {
      const chunks: Buffer[] = [];
      for (let offset = 0; offset < whole.length; offset += size)
        chunks.push(whole.subarray(offset, offset + size));
      expect(demux(chunks)).toEqual(expected);
    }
  });
});

describe("SecretMasker", () => {
  const run = (secrets: string[], chunks: string[]) => {
    const masker = new SecretMasker(secrets);
    const passed = chunks.map((chunk) => masker.write(chunk));
    return { passed, all: passed.join("") + masker.flush() };
  };

  it("masks a secret whole, split across chunks, or repeated", () => {
    expect(run(["hunter22"], ["pw=hunter22;"]).all).toBe(`pw=${MASK};`);
    expect(run(["hunter22"], ["pw=hun", "ter", "22; again hunter2", "2"]).all).toBe(
      `pw=${MASK}; again ${MASK}`,
    );
    for (let cut = 0; cut <= 12; cut++) {
      const text = "a hunter22 b";
      expect(run(["hunter22"], [text.slice(0, cut), text.slice(cut)]).all).toBe(`a ${MASK} b`);
    }
  });

  it("passes text on at once unless its end could start a secret, and keeps a near miss", () => {
    const { passed, all } = run(["hunter22"], ["hello\n", "a hun", "gry cat\n"]);
    expect(passed).toEqual(["hello\n", "a ", "hungry cat\n"]);
    expect(all).toBe("hello\na hungry cat\n");
    expect(run(["hunter22"], ["ends with hunter2"]).all).toBe("ends with hunter2");
  });

  it("masks the longer of two overlapping secrets whole, and ignores empty values", () => {
    expect(run(["abc", "abcdef", ""], ["x abcdef y abc z"]).all).toBe(`x ${MASK} y ${MASK} z`);
    expect(run([""], ["nothing to hide"]).all).toBe("nothing to hide");
  });
});

describe("names and labels", () => {
  it("names the container after the job, keeping distinct ids distinct", () => {
    expect(containerName("01JD8X9ZK7")).toBe("co-job-01JD8X9ZK7");
    expect(containerName("a/b")).toMatch(/^co-job-a_b-[0-9a-f]{12}$/);
    expect(containerName("a/b")).not.toBe(containerName("a:b"));
    // A job running several containers one after the other (the Tester's setup and tests).
    expect(containerName("01JD8X9ZK7", "setup")).toBe("co-job-01JD8X9ZK7-setup");
    expect(containerName("a/b", "tests")).toMatch(/^co-job-a_b-[0-9a-f]{12}-tests$/);
  });

  it("labels job, attempt, project and expiry (epoch seconds)", () => {
    const labels = jobLabels({
      jobId: "j1",
      attempt: 2,
      project: "demo",
      ttlSeconds: 600,
      now: 1_700_000_000_500,
    });
    expect(labels).toEqual({
      "orchestrator.job": "j1",
      "orchestrator.attempt": "2",
      "orchestrator.project": "demo",
      "orchestrator.expires": "1700000600",
    });
    expect(jobLabels({ jobId: "j1", attempt: 1, ttlSeconds: 60 })).not.toHaveProperty("orchestrator.project");
    expect(expiresOf(labels)).toBe(1_700_000_600);
    expect(expiresOf({ "orchestrator.expires": "soon" })).toBeNull();
    expect(expiresOf({})).toBeNull();
  });
});
