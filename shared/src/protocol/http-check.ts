/**
 * `http_check`: one GET of a deployed service's health URL from an executor, as its users would
 * reach it. The job succeeds whenever the check ran: the result says what the URL answered (a
 * status, or why nothing answered). A monitor runs one per check.
 */
import { z } from "zod";

/**
 * A health URL behind a server's HTTPS proxy: connect to the server itself (`connectTo`), naming
 * the URL's host by SNI and Host, whatever DNS says; `verifyTls: false` for a proxy whose CA is
 * internal (the executor does not hold it). Neither: the URL as DNS and the system's CAs have it.
 */
export const ProxyRoute = {
  connectTo: z
    .string()
    .max(253)
    .regex(/^[A-Za-z0-9.:-]+$/, "a host name or an IP address")
    .optional(),
  verifyTls: z.boolean().optional(),
};

export const HttpCheckSpec = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .describe("the health URL"),
  ...ProxyRoute,
  /** How long the request may take before it counts as no answer. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
});
export type HttpCheckSpec = z.infer<typeof HttpCheckSpec>;

/** How much of the body the result keeps (an incident's evidence). */
export const HTTP_CHECK_EXCERPT_CHARS = 300;

/**
 * The certificate an HTTPS check was answered with (a check through a server's proxy): who issued
 * it, until when it is valid, and whether it chains to a CA the executor trusts (false for a
 * proxy's internal CA, which the executor does not hold).
 */
export const TlsCertificate = z.strictObject({
  subject: z.string().max(300),
  issuer: z.string().max(300),
  validTo: z.iso.datetime(),
  trusted: z.boolean(),
});
export type TlsCertificate = z.infer<typeof TlsCertificate>;

/** Whole days until the certificate expires (negative once it has). */
export const certificateDaysLeft = (certificate: TlsCertificate, now = Date.now()): number =>
  Math.floor((Date.parse(certificate.validTo) - now) / 86_400_000);

export const HttpCheckResult = z.strictObject({
  /** The HTTP status; null when nothing answered. */
  status: z.number().int().min(100).max(599).nullable(),
  /** Why nothing answered (connection refused, timed out, …); null when something did. */
  error: z.string().max(500).nullable(),
  latencyMs: z.number().nonnegative(),
  /** The body's start, control characters dropped. */
  excerpt: z.string().max(HTTP_CHECK_EXCERPT_CHARS),
  /** HTTPS through a proxy route: the certificate it presented (absent from older executors). */
  certificate: TlsCertificate.nullable().optional(),
});
export type HttpCheckResult = z.infer<typeof HttpCheckResult>;
