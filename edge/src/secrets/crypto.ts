/**
 * Secrets at rest: AES-256-GCM (WebCrypto) under a versioned keyring read from `SECRETS_KEY`.
 * The project id and the secret's name are bound as additional data, so a ciphertext copied to
 * another project or name fails to decrypt.
 *
 *   const keyring = await loadKeyring(secretSettings.read(env).SECRETS_KEY);
 *   const sealed = await sealSecret(keyring, { projectId, name }, "s3cr3t");
 *   const plain = await openSecret(keyring, { projectId, name }, sealed);
 */

export interface SecretAddress {
  projectId: string;
  name: string;
}

export interface SealedSecret {
  ciphertext: string;
  iv: string;
  keyVersion: number;
}

/** WebCrypto's key type, spelled so that both the Workers and the Node type libraries accept it. */
type CryptoKeyOf = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export interface Keyring {
  current: number;
  keys: ReadonlyMap<number, CryptoKeyOf>;
}

export class KeyringError extends Error {
  override name = "KeyringError";
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

// Importing keys costs little but happens per request otherwise; one keyring per distinct spec.
const keyringCache = new Map<string, Promise<Keyring>>();

/** Parses "<base64>" (version 1) or "3:<base64>,2:<base64>" (current first). Never echoes keys. */
export function loadKeyring(spec: string | undefined): Promise<Keyring> {
  if (!spec?.trim()) {
    return Promise.reject(new KeyringError("SECRETS_KEY is not set."));
  }
  let keyring = keyringCache.get(spec);
  if (!keyring) {
    keyring = importKeyring(spec);
    keyringCache.set(spec, keyring);
    keyring.catch(() => keyringCache.delete(spec));
  }
  return keyring;
}

async function importKeyring(spec: string): Promise<Keyring> {
  const keys = new Map<number, CryptoKeyOf>();
  let current = 0;
  for (const [index, entry] of spec.split(",").entries()) {
    const match = /^\s*(?:(\d+):)?([A-Za-z0-9+/]+={0,2})\s*$/.exec(entry);
    if (!match) throw new KeyringError(`SECRETS_KEY entry ${index + 1} is not "<version>:<base64>".`);
    const version = match[1] ? Number(match[1]) : 1;
    let raw: Uint8Array;
    try {
      raw = fromBase64(match[2] ?? "");
    } catch {
      throw new KeyringError(`SECRETS_KEY entry ${index + 1} is not valid base64.`);
    }
    if (raw.length !== 32) {
      throw new KeyringError(`SECRETS_KEY entry ${index + 1} must decode to 32 bytes.`);
    }
    if (keys.has(version)) throw new KeyringError(`SECRETS_KEY lists version ${version} twice.`);
    keys.set(version, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    if (index === 0) current = version;
  }
  return { current, keys };
}

const additionalData = ({ projectId, name }: SecretAddress) =>
  new TextEncoder().encode(`codegen-orchestrator/secret/v1\u0000${projectId}\u0000${name}`);

export async function sealSecret(
  keyring: Keyring,
  at: SecretAddress,
  plaintext: string,
): Promise<SealedSecret> {
  const key = keyring.keys.get(keyring.current);
  if (!key) throw new KeyringError("The current key is missing from the keyring.");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(at) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return { ciphertext: toBase64(new Uint8Array(ciphertext)), iv: toBase64(iv), keyVersion: keyring.current };
}

/** Throws when the key version is unknown or the ciphertext was not sealed for this address. */
export async function openSecret(keyring: Keyring, at: SecretAddress, sealed: SealedSecret): Promise<string> {
  const key = keyring.keys.get(sealed.keyVersion);
  if (!key) throw new KeyringError(`No key of version ${sealed.keyVersion} in SECRETS_KEY.`);
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: additionalData(at) },
    key,
    fromBase64(sealed.ciphertext),
  );
  return new TextDecoder().decode(plaintext);
}
