/** The keyring that encrypts secrets at rest (edge/src/secrets/crypto.ts parses it). */
import { defineSettings, setting, text } from "./define.ts";

const settings = {
  SECRETS_KEY: setting(text, {
    secret: true,
    doc: "AES-256-GCM keyring: `<base64 of 32 bytes>`, or to rotate `2:<base64>,1:<base64>` (current first). Unset: secrets cannot be stored.",
  }),
};

export type SecretSettings = typeof settings;
export const secretSettings = defineSettings("Secrets at rest", settings);
