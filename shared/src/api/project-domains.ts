import { z } from "zod";
import { Ulid } from "./common.ts";
import { DomainName } from "./servers.ts";

export const SetProjectDomain = z
  .strictObject({
    domain: DomainName.describe(
      "a domain of the owner's (`shop.example.com`), which must already resolve to the project's server",
    ),
  })
  .meta({ id: "SetProjectDomain" });

/** A DNS record the owner creates so that the domain reaches the project's server. */
export const DnsRecord = z
  .object({
    type: z.enum(["A", "AAAA", "CNAME"]),
    name: z.string(),
    value: z.string(),
  })
  .meta({ id: "DnsRecord" });
export type DnsRecord = z.infer<typeof DnsRecord>;

export const ProjectDomain = z
  .object({
    domain: z.string().nullable().describe("the custom domain; null: none (removed)"),
    url: z.string().nullable().describe("where the service answers on it, once the run is done"),
    runId: Ulid.describe("the DevOps run that writes the server's proxy configuration"),
  })
  .meta({ id: "ProjectDomain" });
export type ProjectDomain = z.infer<typeof ProjectDomain>;
