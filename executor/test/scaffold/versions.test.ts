/** Template versions: the PEP 440 subset a version constraint on a template's tags uses. */
import { describe, expect, it } from "vitest";
import {
  compareVersions,
  newestMatching,
  parseConstraint,
  parseVersion,
} from "../../src/scaffold/versions.ts";

const version = (text: string) => {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`not a version: ${text}`);
  return parsed;
};

describe("template versions", () => {
  it("reads tags as PEP 440 versions, with or without a v, and refuses the rest", () => {
    expect(parseVersion("v1.2.3")).toEqual({ release: [1, 2, 3], pre: null, post: null, dev: null });
    expect(parseVersion("2.0.0rc1")?.pre).toEqual(["rc", 1]);
    expect(parseVersion("v2.0.0-rc.1")?.pre).toEqual(["rc", 1]);
    expect(parseVersion("1.0-alpha2")?.pre).toEqual(["a", 2]);
    expect(parseVersion("1.0.post2")?.post).toBe(2);
    expect(parseVersion("1.0-3")?.post).toBe(3);
    expect(parseVersion("1.1.dev0")?.dev).toBe(0);
    for (const tag of ["latest", "release-1", "1.0+local", "1!2.0", "v", ""])
      expect(parseVersion(tag)).toBeNull();
  });

  it("orders versions as PEP 440 does: dev < pre < final < post, releases zero-padded", () => {
    const sorted = ["1.0.dev1", "1.0a1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.1"];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort((a, b) => compareVersions(version(a), version(b)))).toEqual(sorted);
    expect(compareVersions(version("1.0"), version("v1.0.0"))).toBe(0);
  });

  it("picks the newest tag a constraint allows, pre-releases excluded", () => {
    const tags = ["v1.0.0", "v1.2.0", "v2.0.0-rc1", "v1.2.1rc1", "not-a-version", "v0.9"];
    expect(newestMatching(tags, ">=1,<2")).toBe("v1.2.0");
    expect(newestMatching(tags, ">=1")).toBe("v1.2.0");
    expect(newestMatching([...tags, "v2.0.0"], ">=1")).toBe("v2.0.0");
    expect(newestMatching(tags, "~=1.0")).toBe("v1.2.0");
    expect(newestMatching(tags, "~=1.0.0")).toBe("v1.0.0");
    expect(newestMatching(tags, "==1.*")).toBe("v1.2.0");
    expect(newestMatching(tags, "==1.0")).toBe("v1.0.0");
    expect(newestMatching(tags, ">=1, !=1.2.0")).toBe("v1.0.0");
    expect(newestMatching(tags, "<1")).toBe("v0.9");
    expect(newestMatching(tags, ">2")).toBeNull();
    expect(newestMatching(["1.0", "1.0.post1", "1.1"], ">1.0,<1.1")).toBeNull();
  });

  it("refuses constraints outside the supported subset, saying which part", () => {
    expect(() => parseConstraint("~=1")).toThrow(/two release numbers/);
    expect(() => parseConstraint(">=1.*")).toThrow(/only follows == or !=/);
    expect(() => parseConstraint(">=1,===2")).toThrow(/"===2"/);
    expect(() => parseConstraint("latest")).toThrow(/not a supported version specifier/);
  });
});
