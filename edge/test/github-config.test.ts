import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/env.ts";
import {
  type GitHubAppConfig,
  GitHubConfigError,
  githubAppConfig,
  githubRepoName,
  githubRepoUrl,
} from "../src/github/config.ts";
import { PrivateKeyError, pkcs8Pem } from "../src/github/private-key.ts";
import { onGitHub, repoAccess, repositoryUrl } from "../src/pipelines/steps/repository.ts";

// Throwaway test fixtures, not credentials: an RSA 2048 key generated for this file alone with
// `openssl genrsa -traditional 2048` (PKCS#1), the same key through `openssl pkcs8 -topk8 -nocrypt`
// (PKCS#8) and `openssl rsa -pubout` (its public key), and an `ssh-keygen -t ed25519` key. Nothing
// anywhere trusts them.
const PKCS1_KEY = `-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAsOj9Z8HqYEItoUOFsYYYG/NzydtNLro5G1BFHeRjJcFQIK3E
yCV4ebrm2/RgDONROjHbDRoy3zoYIwNV95Z/FSn8U7NQR62sb/5Wpi6DG9wToQIV
8twB6mbQd13HoXRgpLk6PW8eBWL3KpJ0AaIg00jnFicXBHJ/jNUOjVB5i9zriSz0
XHmlH9LBQf++tBgl7Uk8iAgEKSn77sx9yU12pGkN9F+RohsmP1jHuCmJh/mDzKkH
iDqVoE643B/tp38P4XSrd+tNeCRrkJcvGa1qkagsjyB1WPK3X+MQPbZvQozWFkfX
mZ/6sm5yxh+jwNjhAYp53BY6bQIZcC/8VEwEYQIDAQABAoIBAFTcBgXZxj/TLske
twgvLuxlbMLEf7Ls4AzChczva0HGh1WNlQl+s9oMdcXHZLV56tIz7QPNb96VItPU
u01ustnnkGJj7pvbao40HcNMJ1bbS80dT4L11rNmCxRe9y3ywZLySMYEQY3K6Y3R
v3SzHPTMkRCWwps/AwD+iCLwGcWk7qdyzf6a1vYTMLl6NQfEIrMIvmPd6XUtE7fA
S/r0RNET6dcRDH7qZZuugBim64n9uaqGsTp1Tm7Cg74ntYTZspkNuMk7adak0OIm
w+b7iZj1WLX/s78HrEGHYmpwgXz8QdbLzIP9v3rSEqQSWXVxpzg9QQUBHLe6Hg5M
IKZDdjsCgYEA8qpRvn/CFTeGa4P5lyp4aPV1nDyN9GFEKrUDD+Mi37AbXcY6fKml
8XMrHIOEywby5zOgPJKNNIpnk/D+zpLMFYuYRnFo4N8gli9/vQb8aNH5sf99ERwD
uSC1hQ7UcStp/ypUFdsBXDCVjbi4aSa79rOjM38E8vG0EiTUhkS1iqMCgYEAuqGp
vV1x99WNA/kYyVbKoTW8wYsefIkFsgvJ6XT0bPr7tp0bk/vCx7MmFcLDE6bxg9Pd
CUenC2iGufD6Czwix27avzSwZrnRxIXPGFngoPfy5vzWf160dMCBlHfR3XjYxMLv
0zjYh/xwBCWRoJVfYV6t1VGe8a8heDYhR/U6CSsCgYBKvzHcxwemd2r9VTKdYKSk
V+95R6HGQ+u2Z/lgfGtykZFsajH70lneLMZ7yvstep95ngpefhnmtDdBd7tVMByT
CmPGVwqiMbic6lajiDJZq0wJixQgIAv5i1y+dpnznhbRVV1/Oe2KUyDN/bc4FIlT
bXP42chReSgpapTYIvP0lwKBgFnc5aIskGfJB7FWC71GcSLWgSCgH/nO8FMeogYr
LlYbM4BmfZTvsIX/mOL5eHzJ8ZiMNu309lXj6ps1kPA/8G8ezW0rrZSI/Jwn4ePT
wvk+6lKWg6GotDNTThFy8DY3rghv5JJL2NcBkd4tSMWNpvN3ZzRDrMiqju8XAUdo
qJ0pAoGAa8XjnzR3qnyxIUMKz6Y2Z1wtvlrYi9APnjzfYAWwibqq+RrQtlM5WONT
i401rDMkFsAp1UyapSC8pNddIlYXcLIUXdKvx6RVFhfSX76VO+uHtGDY68KP+EEv
OIxk4Ul74ky4Qw35EIi41q/+5rQso8D2uRjGdG1u85WmLooF+1k=
-----END RSA PRIVATE KEY-----
`;

const PKCS8_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCw6P1nwepgQi2h
Q4Wxhhgb83PJ200uujkbUEUd5GMlwVAgrcTIJXh5uubb9GAM41E6MdsNGjLfOhgj
A1X3ln8VKfxTs1BHraxv/lamLoMb3BOhAhXy3AHqZtB3XcehdGCkuTo9bx4FYvcq
knQBoiDTSOcWJxcEcn+M1Q6NUHmL3OuJLPRceaUf0sFB/760GCXtSTyICAQpKfvu
zH3JTXakaQ30X5GiGyY/WMe4KYmH+YPMqQeIOpWgTrjcH+2nfw/hdKt36014JGuQ
ly8ZrWqRqCyPIHVY8rdf4xA9tm9CjNYWR9eZn/qybnLGH6PA2OEBinncFjptAhlw
L/xUTARhAgMBAAECggEAVNwGBdnGP9MuyR63CC8u7GVswsR/suzgDMKFzO9rQcaH
VY2VCX6z2gx1xcdktXnq0jPtA81v3pUi09S7TW6y2eeQYmPum9tqjjQdw0wnVttL
zR1PgvXWs2YLFF73LfLBkvJIxgRBjcrpjdG/dLMc9MyREJbCmz8DAP6IIvAZxaTu
p3LN/prW9hMwuXo1B8Qiswi+Y93pdS0Tt8BL+vRE0RPp1xEMfuplm66AGKbrif25
qoaxOnVObsKDvie1hNmymQ24yTtp1qTQ4ibD5vuJmPVYtf+zvwesQYdianCBfPxB
1svMg/2/etISpBJZdXGnOD1BBQEct7oeDkwgpkN2OwKBgQDyqlG+f8IVN4Zrg/mX
Knho9XWcPI30YUQqtQMP4yLfsBtdxjp8qaXxcyscg4TLBvLnM6A8ko00imeT8P7O
kswVi5hGcWjg3yCWL3+9Bvxo0fmx/30RHAO5ILWFDtRxK2n/KlQV2wFcMJWNuLhp
Jrv2s6MzfwTy8bQSJNSGRLWKowKBgQC6oam9XXH31Y0D+RjJVsqhNbzBix58iQWy
C8npdPRs+vu2nRuT+8LHsyYVwsMTpvGD090JR6cLaIa58PoLPCLHbtq/NLBmudHE
hc8YWeCg9/Lm/NZ/XrR0wIGUd9HdeNjEwu/TONiH/HAEJZGglV9hXq3VUZ7xryF4
NiFH9ToJKwKBgEq/MdzHB6Z3av1VMp1gpKRX73lHocZD67Zn+WB8a3KRkWxqMfvS
Wd4sxnvK+y16n3meCl5+Gea0N0F3u1UwHJMKY8ZXCqIxuJzqVqOIMlmrTAmLFCAg
C/mLXL52mfOeFtFVXX857YpTIM39tzgUiVNtc/jZyFF5KClqlNgi8/SXAoGAWdzl
oiyQZ8kHsVYLvUZxItaBIKAf+c7wUx6iBisuVhszgGZ9lO+whf+Y4vl4fMnxmIw2
7fT2VePqmzWQ8D/wbx7NbSutlIj8nCfh49PC+T7qUpaDoai0M1NOEXLwNjeuCG/k
kkvY1wGR3i1IxY2m83dnNEOsyKqO7xcBR2ionSkCgYBrxeOfNHeqfLEhQwrPpjZn
XC2+WtiL0A+ePN9gBbCJuqr5GtC2UzlY41OLjTWsMyQWwCnVTJqlILyk110iVhdw
shRd0q/HpFUWF9JfvpU764e0YNjrwo/4QS84jGThSXviTLhDDfkQiLjWr/7mtCyj
wPa5GMZ0bW7zlaYuigX7WQ==
-----END PRIVATE KEY-----
`;

const PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsOj9Z8HqYEItoUOFsYYY
G/NzydtNLro5G1BFHeRjJcFQIK3EyCV4ebrm2/RgDONROjHbDRoy3zoYIwNV95Z/
FSn8U7NQR62sb/5Wpi6DG9wToQIV8twB6mbQd13HoXRgpLk6PW8eBWL3KpJ0AaIg
00jnFicXBHJ/jNUOjVB5i9zriSz0XHmlH9LBQf++tBgl7Uk8iAgEKSn77sx9yU12
pGkN9F+RohsmP1jHuCmJh/mDzKkHiDqVoE643B/tp38P4XSrd+tNeCRrkJcvGa1q
kagsjyB1WPK3X+MQPbZvQozWFkfXmZ/6sm5yxh+jwNjhAYp53BY6bQIZcC/8VEwE
YQIDAQAB
-----END PUBLIC KEY-----
`;

const OPENSSH_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBzfKVHZb7L/YYTHpYIg9Gzzc6IagcrOBK92t4n64fuAQAAAJA2LDN1Niwz
dQAAAAtzc2gtZWQyNTUxOQAAACBzfKVHZb7L/YYTHpYIg9Gzzc6IagcrOBK92t4n64fuAQ
AAAEB8W854LijSNNMU/1EwDFZeh6jREtyCqlKTPxfhTTVHV3N8pUdlvsv9hhMelgiD0bPN
zohqBys4Er3a3ifrh+4BAAAAB3Jvb3RAdm0BAgMEBQY=
-----END OPENSSH PRIVATE KEY-----
`;

const ALGORITHM = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const MESSAGE = new TextEncoder().encode("a GitHub App JWT would be signed like this");

/** A PEM's base64 body, whatever its line wrapping. */
const pemBody = (pem: string) => pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
const derOf = (pem: string) => Uint8Array.from(atob(pemBody(pem)), (char) => char.charCodeAt(0));

/** Imports the PKCS#8 PEM in workerd, signs, and verifies with the public half taken from its JWK. */
async function signAndVerify(pem: string) {
  const key = await crypto.subtle.importKey("pkcs8", derOf(pem), ALGORITHM, true, ["sign"]);
  const signature = await crypto.subtle.sign(ALGORITHM.name, key, MESSAGE);
  const { kty, n, e } = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  const publicKey = await crypto.subtle.importKey("jwk", { kty, n, e }, ALGORITHM, true, ["verify"]);
  return { signature, verified: await crypto.subtle.verify(ALGORITHM.name, publicKey, signature, MESSAGE) };
}

/** pkcs8Pem refuses this input with a PrivateKeyError that echoes none of it. */
function refused(input: string): PrivateKeyError {
  let caught: unknown;
  try {
    pkcs8Pem(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PrivateKeyError);
  const message = (caught as PrivateKeyError).message;
  if (input.trim()) expect(message).not.toContain(input.trim());
  for (const line of input.split(/\\n|\n/)) {
    if (line.trim().length >= 8 && !line.startsWith("-----")) expect(message).not.toContain(line.trim());
  }
  return caught as PrivateKeyError;
}

describe("pkcs8Pem", () => {
  it("converts a PKCS#1 key to PKCS#8 PEM that workerd imports, signs with and verifies", async () => {
    const converted = pkcs8Pem(PKCS1_KEY);
    expect(converted.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
    expect(converted.endsWith("\n-----END PRIVATE KEY-----\n")).toBe(true);
    const lines = converted.trim().split("\n").slice(1, -1);
    for (const line of lines.slice(0, -1)) expect(line).toHaveLength(64);
    expect(lines.at(-1)?.length).toBeLessThanOrEqual(64);

    const { signature, verified } = await signAndVerify(converted);
    expect(verified).toBe(true);
    // And it is the fixture's key: its public key (from openssl) verifies the signature too.
    const spki = await crypto.subtle.importKey("spki", derOf(PUBLIC_KEY), ALGORITHM, false, ["verify"]);
    expect(await crypto.subtle.verify(ALGORITHM.name, spki, signature, MESSAGE)).toBe(true);
  });

  it("wraps the DER exactly as openssl does", () => {
    // Same bytes as `openssl pkcs8 -topk8 -nocrypt`: version, rsaEncryption with NULL, OCTET STRING.
    expect(pemBody(pkcs8Pem(PKCS1_KEY))).toBe(pemBody(PKCS8_KEY));
    expect(pkcs8Pem(PKCS1_KEY)).toBe(pkcs8Pem(PKCS8_KEY));
  });

  it("accepts escaped \\n line breaks, CRLF and surrounding blanks", () => {
    const expected = pkcs8Pem(PKCS1_KEY);
    const escaped = PKCS1_KEY.trim().replace(/\n/g, "\\n");
    expect(escaped).not.toContain("\n");
    expect(pkcs8Pem(escaped)).toBe(expected);
    expect(pkcs8Pem(`${escaped}\\n`)).toBe(expected);
    expect(pkcs8Pem(PKCS1_KEY.replace(/\n/g, "\r\n"))).toBe(expected);
    expect(pkcs8Pem(`\n  ${PKCS1_KEY}\n\n`)).toBe(expected);
    expect(pkcs8Pem(PKCS8_KEY.trim().replace(/\n/g, "\\n"))).toBe(expected);
  });

  it("passes a PKCS#8 key through, rewrapped at 64 columns, still importable", async () => {
    expect(pemBody(pkcs8Pem(PKCS8_KEY))).toBe(pemBody(PKCS8_KEY));
    const oneLine = `-----BEGIN PRIVATE KEY-----\n${pemBody(PKCS8_KEY)}\n-----END PRIVATE KEY-----`;
    expect(pkcs8Pem(oneLine)).toBe(pkcs8Pem(PKCS8_KEY));
    expect((await signAndVerify(pkcs8Pem(PKCS8_KEY))).verified).toBe(true);
  });

  it("refuses anything else with a PrivateKeyError that never echoes the input", () => {
    const canary = "canary-not-a-key-8Hq2vZ";
    for (const input of [
      canary,
      "",
      OPENSSH_KEY,
      PUBLIC_KEY,
      PKCS8_KEY.replace(/PRIVATE KEY/g, "ENCRYPTED PRIVATE KEY"),
    ])
      expect(refused(input).message).toMatch(/expected a PEM private key/);
    // The markers, but not a key inside them.
    const body = (text: string) => `-----BEGIN RSA PRIVATE KEY-----\n${text}\n-----END RSA PRIVATE KEY-----`;
    expect(refused(body(`${canary}!!`)).message).toMatch(/not base64/);
    expect(refused(body(btoa(canary))).message).toMatch(/not a DER sequence/);
    const pkcs8 = `-----BEGIN PRIVATE KEY-----\n${canary}%%\n-----END PRIVATE KEY-----`;
    expect(refused(pkcs8).message).toMatch(/not base64/);
  });
});

/** The test env without any repository host, then these settings. */
const envWith = (settings: Partial<Env> = {}): Env =>
  ({
    ...env,
    REPO_BASE_URL: undefined,
    GITHUB_APP_ID: undefined,
    GITHUB_APP_PRIVATE_KEY: undefined,
    GITHUB_OWNER: undefined,
    GITHUB_APP_INSTALLATION_ID: undefined,
    GITHUB_API_URL: undefined,
    GITHUB_GIT_URL: undefined,
    GITHUB_REPO_VISIBILITY: undefined,
    ...settings,
  }) as Env;

const KEY_CANARY = "canary-private-key-value-Zr81x";
const APP = { GITHUB_APP_ID: "123456", GITHUB_APP_PRIVATE_KEY: PKCS1_KEY, GITHUB_OWNER: "acme-labs" };

/** githubAppConfig throws a GitHubConfigError; its message, checked to hold no key material. */
function configError(settings: Partial<Env>): string {
  let caught: unknown;
  try {
    githubAppConfig(envWith(settings));
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GitHubConfigError);
  const message = (caught as GitHubConfigError).message;
  expect(message).toMatch(/^The GitHub App is configured wrongly: /);
  expect(message).not.toContain(KEY_CANARY);
  for (const line of PKCS1_KEY.split("\n"))
    if (line && !line.startsWith("-----")) expect(message).not.toContain(line);
  return message;
}

describe("githubAppConfig", () => {
  it("is null when no App is configured, or only blanks and optional settings are", () => {
    expect(githubAppConfig(envWith())).toBeNull();
    expect(
      githubAppConfig(envWith({ GITHUB_APP_ID: " ", GITHUB_APP_PRIVATE_KEY: "", GITHUB_OWNER: "\n" })),
    ).toBeNull();
    expect(
      githubAppConfig(
        envWith({ GITHUB_API_URL: "https://ghe.example.com/api/v3", REPO_BASE_URL: "file:///x" }),
      ),
    ).toBeNull();
  });

  it("reads a full configuration, with defaults for what is not set", () => {
    expect(githubAppConfig(envWith(APP))).toEqual({
      appId: "123456",
      privateKey: PKCS1_KEY.trim(),
      owner: "acme-labs",
      installationId: null,
      apiUrl: "https://api.github.com",
      gitUrl: "https://github.com",
      visibility: "private",
    });
  });

  it("trims blanks and trailing slashes, and parses the installation id", () => {
    const config = githubAppConfig(
      envWith({
        GITHUB_APP_ID: " 42 ",
        GITHUB_APP_PRIVATE_KEY: PKCS8_KEY,
        GITHUB_OWNER: " Acme ",
        GITHUB_APP_INSTALLATION_ID: " 9876543 ",
        GITHUB_API_URL: "https://ghe.example.com/api/v3/",
        GITHUB_GIT_URL: "https://ghe.example.com//",
        GITHUB_REPO_VISIBILITY: "public",
      }),
    );
    expect(config).toEqual({
      appId: "42",
      privateKey: PKCS8_KEY.trim(),
      owner: "Acme",
      installationId: 9876543,
      apiUrl: "https://ghe.example.com/api/v3",
      gitUrl: "https://ghe.example.com",
      visibility: "public",
    });
    // Blank optional settings fall back to their defaults.
    const blanks = { GITHUB_APP_INSTALLATION_ID: " ", GITHUB_API_URL: "", GITHUB_REPO_VISIBILITY: " " };
    expect(githubAppConfig(envWith({ ...APP, ...blanks }))).toMatchObject({
      installationId: null,
      apiUrl: "https://api.github.com",
      visibility: "private",
    });
  });

  it("throws on a partial or wrong configuration, naming the setting and never the key", () => {
    expect(configError({ GITHUB_APP_ID: "123456", GITHUB_OWNER: "acme" })).toContain(
      "GITHUB_APP_PRIVATE_KEY",
    );
    const noId = configError({ GITHUB_APP_PRIVATE_KEY: KEY_CANARY, GITHUB_OWNER: "acme" });
    expect(noId).toContain("GITHUB_APP_ID");
    expect(noId).not.toContain("GITHUB_OWNER");
    expect(configError({ GITHUB_APP_PRIVATE_KEY: PKCS1_KEY })).toMatch(/GITHUB_APP_ID.*GITHUB_OWNER/);
    for (const owner of ["acme/labs", "-acme", "acme labs", "a".repeat(40)])
      expect(configError({ ...APP, GITHUB_OWNER: owner })).toMatch(
        /GITHUB_OWNER: a GitHub organization name/,
      );
    expect(configError({ ...APP, GITHUB_APP_ID: "12ab" })).toMatch(/GITHUB_APP_ID: a number/);
    const wrong = configError({
      ...APP,
      GITHUB_APP_PRIVATE_KEY: KEY_CANARY,
      GITHUB_APP_INSTALLATION_ID: "first",
      GITHUB_API_URL: "ftp://ghe.example.com",
      GITHUB_GIT_URL: "not a url",
      GITHUB_REPO_VISIBILITY: "internal",
    });
    for (const name of [
      "GITHUB_APP_INSTALLATION_ID",
      "GITHUB_API_URL",
      "GITHUB_GIT_URL",
      "GITHUB_REPO_VISIBILITY",
    ])
      expect(wrong).toContain(name);
    expect(wrong).not.toMatch(/GITHUB_APP_ID|GITHUB_OWNER|GITHUB_APP_PRIVATE_KEY/);
  });
});

describe("githubRepoName", () => {
  const config = githubAppConfig(envWith(APP)) as GitHubAppConfig;

  it("is the name in <gitUrl>/<owner>/<name>.git, the prefix matched case-insensitively", () => {
    expect(githubRepoUrl(config, "shop")).toBe("https://github.com/acme-labs/shop.git");
    expect(githubRepoName(config, githubRepoUrl(config, "shop"))).toBe("shop");
    expect(githubRepoName(config, "https://github.com/acme-labs/my.site_v2-x.git")).toBe("my.site_v2-x");
    expect(githubRepoName(config, "HTTPS://GitHub.com/ACME-Labs/Shop.git")).toBe("Shop");
    const ghe = githubAppConfig(
      envWith({ ...APP, GITHUB_GIT_URL: "https://git.example.com/" }),
    ) as GitHubAppConfig;
    expect(githubRepoName(ghe, "https://git.example.com/acme-labs/shop.git")).toBe("shop");
    expect(githubRepoName(ghe, "https://github.com/acme-labs/shop.git")).toBeNull();
  });

  it("is null for other hosts, owners and paths", () => {
    for (const url of [
      "https://gitlab.com/acme-labs/shop.git",
      "https://github.com.evil.example/acme-labs/shop.git",
      "http://github.com/acme-labs/shop.git",
      "https://github.com/other/shop.git",
      "https://github.com/acme-labs-evil/shop.git",
      "https://github.com/acme/shop.git",
      "https://github.com/acme-labs/group/shop.git",
      "https://github.com/acme-labs/shop",
      "https://github.com/acme-labs/shop.git/",
      "https://github.com/acme-labs/.git",
      "https://github.com/acme-labs/sh op.git",
      `https://github.com/acme-labs/${"a".repeat(101)}.git`,
      "file:///srv/repos/shop.git",
      "",
    ])
      expect(githubRepoName(config, url), url).toBeNull();
  });
});

describe("repositoryUrl", () => {
  it("is on GitHub when an App is configured, else under REPO_BASE_URL, else null", () => {
    expect(repositoryUrl(envWith({ ...APP, REPO_BASE_URL: "file:///srv/repos" }), "shop")).toBe(
      "https://github.com/acme-labs/shop.git",
    );
    expect(repositoryUrl(envWith({ REPO_BASE_URL: "file:///srv/repos/" }), "shop")).toBe(
      "file:///srv/repos/shop.git",
    );
    expect(repositoryUrl(envWith({ REPO_BASE_URL: " https://git.example.com/base// " }), "shop")).toBe(
      "https://git.example.com/base/shop.git",
    );
    expect(repositoryUrl(envWith(), "shop")).toBeNull();
    expect(repositoryUrl(envWith({ REPO_BASE_URL: "  " }), "shop")).toBeNull();
  });

  it("throws GitHubConfigError on a partial App configuration, even with REPO_BASE_URL set", () => {
    const partial = envWith({ GITHUB_APP_ID: "123456", REPO_BASE_URL: "file:///srv/repos" });
    expect(() => repositoryUrl(partial, "shop")).toThrow(GitHubConfigError);
  });
});

describe("repoAccess", () => {
  it("gives an App repository's jobs a token, as a GitHub secret reference", () => {
    const app = envWith(APP);
    const url = "https://github.com/acme-labs/shop.git";
    expect(repositoryUrl(app, "shop")).toBe(url);
    expect(onGitHub(app, url)).toBe(true);
    expect(repoAccess(app, { url, resourceName: "shop" })).toStrictEqual({
      credentials: { username: "x-access-token", passwordSecret: "GIT_TOKEN" },
      secrets: { GIT_TOKEN: { github: "shop" } },
    });
  });

  it("mints no token for an App repository that is not the project's own", () => {
    const app = envWith(APP);
    // Another project's repository in the same organization (a URL a member could name).
    const url = "https://github.com/acme-labs/billing.git";
    expect(onGitHub(app, url)).toBe(true);
    expect(repoAccess(app, { url, resourceName: "shop" })).toStrictEqual({ secrets: {} });
    expect(
      repoAccess(app, { url: "https://github.com/acme-labs/Shop.git", resourceName: "shop" }).secrets,
    ).toEqual({
      GIT_TOKEN: { github: "Shop" },
    });
  });

  it("gives other repositories nothing", () => {
    const local = envWith({ REPO_BASE_URL: "file:///srv/repos" });
    const url = "file:///srv/repos/shop.git";
    expect(repositoryUrl(local, "shop")).toBe(url);
    expect(onGitHub(local, url)).toBe(false);
    expect(repoAccess(local, { url, resourceName: "shop" })).toStrictEqual({ secrets: {} });
    // With an App, a repository elsewhere gets no token either.
    const app = envWith(APP);
    for (const other of [url, "https://github.com/someone-else/shop.git"]) {
      expect(onGitHub(app, other)).toBe(false);
      expect(repoAccess(app, { url: other, resourceName: "shop" })).toStrictEqual({ secrets: {} });
    }
    // A broken App configuration: no token (the run that made the URL reported why).
    const broken = envWith({ ...APP, GITHUB_OWNER: "acme/labs" });
    expect(onGitHub(broken, "https://github.com/acme-labs/shop.git")).toBe(false);
    expect(
      repoAccess(broken, { url: "https://github.com/acme-labs/shop.git", resourceName: "shop" }),
    ).toStrictEqual({ secrets: {} });
  });
});
