/**
 * Whether a domain resolves to a server, asked of a DNS-over-HTTPS resolver (the JSON API that
 * Cloudflare's and Google's resolvers answer): a Worker has no socket for plain DNS. The resolver
 * is a setting (DNS_RESOLVER_URL), so a local stack or a test can use one on loopback.
 *
 *   const check = await pointsAt(resolver, "shop.example.com", "203.0.113.7", "shop.apps.example.com");
 */
import type { DnsRecord } from "@codegen-orchestrator/shared";

const TYPES = { A: 1, AAAA: 28, CNAME: 5 } as const;
type RecordType = keyof typeof TYPES;

interface DohAnswer {
  Status?: number;
  Answer?: { name?: string; type?: number; data?: string }[];
}

/** The data of the answers of one type (a CNAME chain is followed by the resolver). */
export async function resolve(resolver: string, name: string, type: RecordType): Promise<string[]> {
  const url = new URL(resolver);
  url.searchParams.set("name", name);
  url.searchParams.set("type", type);
  const response = await fetch(url, {
    headers: { accept: "application/dns-json" },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`the DNS resolver answered HTTP ${response.status}`);
  const body = (await response.json()) as DohAnswer;
  return (body.Answer ?? [])
    .filter((answer) => answer.type === TYPES[type] && typeof answer.data === "string")
    .map((answer) => (answer.data as string).replace(/\.$/, "").toLowerCase());
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIp = (host: string) => IPV4.test(host) || host.includes(":");

export type DnsCheck =
  | { ok: true; addresses: string[] }
  | { ok: false; found: string[]; records: DnsRecord[]; message: string };

/**
 * Whether `domain` resolves to the server (one of its addresses; a host name is resolved too);
 * when it does not, the records to create: an A (AAAA) record to its address, or a CNAME to the
 * project's name under the server's base domain.
 */
export async function pointsAt(
  resolver: string,
  domain: string,
  serverHost: string,
  siteName: string,
): Promise<DnsCheck> {
  const server = isIp(serverHost)
    ? [serverHost.toLowerCase()]
    : [...(await resolve(resolver, serverHost, "A")), ...(await resolve(resolver, serverHost, "AAAA"))];
  const found = [...(await resolve(resolver, domain, "A")), ...(await resolve(resolver, domain, "AAAA"))];
  if (found.some((address) => server.includes(address))) return { ok: true, addresses: found };
  const address = server[0];
  const records: DnsRecord[] = [
    ...(address
      ? [{ type: address.includes(":") ? "AAAA" : "A", name: domain, value: address } as const]
      : []),
    { type: "CNAME", name: domain, value: siteName },
  ];
  const said = records.map((record) => `${record.type} ${record.name} → ${record.value}`).join(", or ");
  const now = found.length > 0 ? `it resolves to ${found.join(", ")}` : "it does not resolve";
  return {
    ok: false,
    found,
    records,
    message: `${domain} does not point at the project's server (${now}). Create the DNS record ${said}, wait for it to resolve, then try again.`,
  };
}
