// The chat's project card: where the project runs (URL, the live release) and, behind a proxy,
// the certificate the monitor's last check saw, escaped for Telegram's HTML.
import { describe, expect, it } from "vitest";
import { projectCard } from "../src/chat/views.ts";
import type { ProjectRow } from "../src/domain/projects.ts";

const project = {
  id: "p1",
  name: "Shop",
  slug: "shop",
  status: "deployed",
  description: "",
  repoUrl: null,
} as unknown as ProjectRow;
const commit = "0123456789abcdef0123456789abcdef01234567";

describe("the chat's project card", () => {
  it("names the live release and the site's certificate: issuer, expiry, trust", () => {
    const validTo = new Date(Date.now() + 5.5 * 86_400_000).toISOString();
    const { html } = projectCard(project, {
      url: "https://shop.apps.example.com",
      lastRun: null,
      live: { commit, since: new Date("2026-12-04T10:00:00Z") },
      certificate: { subject: "shop.apps.example.com", issuer: "Caddy <Local> CA", validTo, trusted: false },
    });
    expect(html).toContain("Live release: <code>0123456789ab</code> since 2026-12-04 10:00 UTC");
    expect(html).toContain(
      `Certificate: issued by Caddy &lt;Local&gt; CA, valid until ${validTo.slice(0, 10)} (5 days left), signed by the server's internal CA`,
    );
  });

  it("says a certificate is not checked yet, and shows none for a plain http URL", () => {
    const https = projectCard(project, { url: "https://shop.apps.example.com", lastRun: null });
    expect(https.html).toContain("Certificate: not checked yet");
    expect(https.html).toContain("Live release: —");
    const http = projectCard(project, { url: "http://203.0.113.7:8001", lastRun: null, live: null });
    expect(http.html).not.toContain("Certificate");
  });
});
