/**
 * A DNS-over-HTTPS resolver on loopback speaking the JSON API public resolvers answer
 * (`GET ?name=&type=` with `accept: application/dns-json`; RFC 8484's JSON sibling): the Worker's
 * DNS_RESOLVER_URL in tests. It knows the A records the test gives it, and nothing else (NXDOMAIN).
 *
 *   const dns = await startDoh();  dns.records.set("shop.example.test", ["127.0.0.1"]);
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const A = 1;

export interface Doh {
  url: string;
  /** Name → its A records. */
  records: Map<string, string[]>;
  /** The names asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

export async function startDoh(): Promise<Doh> {
  const records = new Map<string, string[]>();
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://doh").searchParams;
    const name = (query.get("name") ?? "").replace(/\.$/, "").toLowerCase();
    const type = query.get("type") ?? "A";
    asked.push(`${type} ${name}`);
    const addresses = type === "A" || type === String(A) ? records.get(name) : undefined;
    const known = records.has(name);
    res.writeHead(200, { "content-type": "application/dns-json" });
    res.end(
      JSON.stringify({
        Status: known ? 0 : 3,
        Question: [{ name: `${name}.`, type: type === "A" ? A : Number(type) || 0 }],
        Answer: (addresses ?? []).map((data) => ({ name: `${name}.`, type: A, TTL: 60, data })),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    records,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
