/**
 * GitHub hands out an App's private key as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"); WebCrypto, which
 * signs the App's JWTs in the Worker, imports PKCS#8 only. A PKCS#1 key becomes PKCS#8 by wrapping
 * its DER in a PrivateKeyInfo (version 0, rsaEncryption, the key as an OCTET STRING), so the
 * operator can paste the key as downloaded. Errors never echo key material.
 */

const PKCS1 = /-----BEGIN RSA PRIVATE KEY-----([\s\S]*?)-----END RSA PRIVATE KEY-----/;
const PKCS8 = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/;
/** version INTEGER 0, then AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const PKCS8_RSA_PREFIX = [
  0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

export class PrivateKeyError extends Error {
  override name = "PrivateKeyError";
}

/** A DER length: short form below 128, else the count of length bytes, then the length big-endian. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

const derValue = (tag: number, content: Uint8Array): number[] => [
  tag,
  ...derLength(content.length),
  ...content,
];

function base64Body(body: string): Uint8Array {
  try {
    return Uint8Array.from(atob(body.replace(/\s+/g, "")), (char) => char.charCodeAt(0));
  } catch {
    throw new PrivateKeyError("the PEM body is not base64");
  }
}

const pem = (der: Uint8Array): string => {
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
};

/**
 * The key as PKCS#8 PEM. Accepts PKCS#1 or PKCS#8 PEM, with real or escaped (`\n`) line breaks,
 * as secrets set from a single-line environment variable often have.
 */
export function pkcs8Pem(key: string): string {
  const text = key.replace(/\\n/g, "\n").trim();
  const pkcs8 = PKCS8.exec(text);
  if (pkcs8) return pem(base64Body(pkcs8[1] ?? ""));
  const pkcs1 = PKCS1.exec(text);
  if (!pkcs1)
    throw new PrivateKeyError(
      "expected a PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY), as GitHub lets you download it",
    );
  const rsaKey = base64Body(pkcs1[1] ?? "");
  // A PKCS#1 RSAPrivateKey is a DER SEQUENCE.
  if (rsaKey[0] !== 0x30) throw new PrivateKeyError("the PKCS#1 key is not a DER sequence");
  const info = [...PKCS8_RSA_PREFIX, ...derValue(0x04, rsaKey)];
  return pem(Uint8Array.from(derValue(0x30, Uint8Array.from(info))));
}
