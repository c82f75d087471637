/**
 * API keys: random bearer tokens, shown once, stored as SHA-256 hashes. The stored prefix
 * (first characters) lets a person tell keys apart without being able to use one.
 */
const DISPLAY_PREFIX_LENGTH = 11;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface NewKey {
  key: string;
  prefix: string;
  hash: string;
}

const PREFIXES = { api: "co_", executor: "coe_", session: "cos_", link: "col_" } as const;

/**
 * A new key with 256 bits of randomness: `co_…` for API keys, `coe_…` for executor tokens, `cos_…`
 * for console sessions (the cookie), `col_…` for one-time sign-in links.
 */
export async function generateKey(kind: keyof typeof PREFIXES = "api"): Promise<NewKey> {
  const key = PREFIXES[kind] + base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), hash: await sha256Hex(key) };
}
