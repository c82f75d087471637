/**
 * The periodic server checks (docs/architecture.md#server-checks): how often, and what counts as
 * degraded; and the DNS resolver that checks a custom domain points at its server.
 */
import { defineSettings, httpOrigin, nonNegativeNumber, positiveInt, setting } from "./define.ts";

export const serverSettings = defineSettings("Server checks", {
  SERVER_CHECK_INTERVAL_S: setting(positiveInt, {
    default: 300,
    doc: "How often each server is checked, in s. The cron that starts the checks runs every minute: less than 60 acts as 60.",
  }),
  SERVER_CHECK_WAIT_S: setting(positiveInt, {
    default: 60,
    doc: "How long a server check may take, in s: a check no executor finished by then changes nothing.",
  }),
  SERVER_MIN_DISK_FREE_PERCENT: setting(nonNegativeNumber, {
    default: 10,
    doc: "A server whose deploy root's file system has less free space (percent) is degraded; 0 turns this off.",
  }),
  SERVER_MIN_MEMORY_AVAILABLE_PERCENT: setting(nonNegativeNumber, {
    default: 10,
    doc: "A server with less memory available (percent of its total, as /proc/meminfo's MemAvailable) is degraded; 0 turns this off.",
  }),
  SERVER_MAX_LOAD_PER_CORE: setting(nonNegativeNumber, {
    default: 2,
    doc: "A server whose 5-minute load average per CPU core is higher is degraded.",
  }),
  DNS_RESOLVER_URL: setting(httpOrigin, {
    default: "https://cloudflare-dns.com/dns-query",
    doc: "The DNS-over-HTTPS resolver (its JSON API, `?name=&type=`) that checks a custom domain resolves to its project's server before the proxy serves it.",
  }),
});
