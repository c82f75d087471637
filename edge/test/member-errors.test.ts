import { describe, expect, it } from "vitest";
import { memberSafeError } from "../src/pipelines/steps/member-errors.ts";

describe("what members read of a job's failure", () => {
  it("says git could not reach the repository, without git's words (open or closed port, host, auth)", () => {
    const probes = [
      "steps[0] (clone) failed: `git clone` exited with 128: fatal: unable to access 'https://10.0.0.5:8443/x.git/': Failed to connect to 10.0.0.5 port 8443: Connection refused",
      "steps[0] (clone) failed: `git clone` exited with 128: fatal: unable to access 'https://10.0.0.5:22/x.git/': OpenSSL SSL_connect: Connection reset by peer",
      "could not check out https://git.example.test/x.git: `git clone` exited with 128: fatal: Authentication failed",
      "`git push` exited with 1: ! [rejected] main -> main (non-fast-forward)",
    ];
    for (const probe of probes) {
      const safe = memberSafeError(probe);
      expect(safe).toMatch(/`git (clone|push)` could not reach or read the repository \(an admin finds/);
      for (const word of ["Connection refused", "reset by peer", "Authentication", "rejected", "8443"])
        expect(safe).not.toContain(word);
    }
    expect(memberSafeError(probes[0] as string)).toMatch(/^steps\[0\] \(clone\) failed: /);
  });

  it("leaves every other failure as it is", () => {
    for (const error of [
      "The GitHub token for repository ghost (for GIT_TOKEN) could not be minted: GitHub answered 422",
      'task "Wait for the service to answer 200" failed on target: http://127.0.0.1:8001/health answered 500',
      "`git commit` exited with 1: nothing to commit",
    ])
      expect(memberSafeError(error)).toBe(error);
  });
});
