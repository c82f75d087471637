import { z } from "zod";
import { Labels, Slug, Timestamp, Ulid } from "./common.ts";

/**
 * `maintenance` and `offline` are the admin's to set, and checks leave them be; the periodic
 * server check sets `active`, `degraded` (a figure past its threshold) or `unreachable` (no SSH).
 * The allocator places new ports on `active` servers only.
 */
export const ServerStatus = z.enum(["active", "maintenance", "offline", "degraded", "unreachable"]);
/** The statuses an admin sets; the others are the checks'. */
export const AdminServerStatus = ServerStatus.extract(["active", "maintenance", "offline"]);

/** What the last server check saw (figures are null when the server could not be reached). */
export const ServerCheck = z
  .object({
    at: Timestamp,
    outcome: ServerStatus.extract(["active", "degraded", "unreachable"]),
    reasons: z.array(z.string()).describe("why degraded or unreachable; empty when active"),
    diskFreePercent: z.number().nullable().describe("free space on the deploy root's file system"),
    memoryAvailablePercent: z.number().nullable(),
    loadPerCore: z.number().nullable().describe("the 5-minute load average per CPU core"),
    serviceManager: z
      .string()
      .nullable()
      .describe("the host's service manager as seen (`systemd running`, `docker up`), null if none"),
  })
  .meta({ id: "ServerCheck" });
export type ServerCheck = z.infer<typeof ServerCheck>;
/** How deploy_project runs a project's service: `auto` picks compose, systemd or a supervised process. */
export const ServiceManager = z.enum(["auto", "compose", "systemd", "process"]);

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or an IP address");
const Port = z.number().int().min(1).max(65_535);

/**
 * A DNS name (RFC 1123 labels, at least two, lower case): what the proxy's configuration may hold.
 * Names from members and admins are data checked here, never configuration text.
 */
export const DomainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "a domain name such as apps.example.com",
  );
/** How the server's proxy gets certificates: `acme` (Let's Encrypt and the like) or its own internal CA. */
export const ServerTls = z.enum(["acme", "internal"]);

export const Server = z
  .object({
    id: Ulid,
    name: Slug,
    host: z.string(),
    sshPort: Port,
    sshUser: z.string(),
    labels: Labels,
    memoryMb: z.number().int(),
    cpuCores: z.number(),
    portRangeStart: Port,
    portRangeEnd: Port,
    knownHosts: z.string().nullable().describe("the host keys accepted (known_hosts lines)"),
    trustFirstHostKey: z
      .boolean()
      .describe(
        "the key the host presents at the next first contact will be recorded (then this turns false)",
      ),
    deployRoot: z.string(),
    serviceManager: ServiceManager,
    baseDomain: z
      .string()
      .nullable()
      .describe("projects are served at https://<project>.<baseDomain>; null: at http://<host>:<port>"),
    httpsPort: Port.describe("where the server's HTTPS proxy listens"),
    tls: ServerTls,
    status: ServerStatus,
    lastCheck: ServerCheck.nullable().describe("the last periodic check; null before the first"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Server" });
export type Server = z.infer<typeof Server>;

const serverFields = {
  name: Slug,
  host: Host,
  sshPort: Port,
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a Unix user name"),
  labels: Labels,
  memoryMb: z.number().int().min(1).max(16_777_216),
  cpuCores: z.number().positive().max(4096),
  portRangeStart: Port,
  portRangeEnd: Port,
  knownHosts: z
    .string()
    .max(16_384)
    .regex(/^[^\0]*$/)
    .nullable()
    .describe("known_hosts lines for the host (the only keys accepted); null: see trustFirstHostKey"),
  trustFirstHostKey: z
    .boolean()
    .describe(
      "without knownHosts: record the key the host presents at the first deploy (audited); false: nothing deploys there until knownHosts is set",
    ),
  deployRoot: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]{0,250}$/, "an absolute path")
    .describe("where projects are deployed on it"),
  serviceManager: ServiceManager,
  baseDomain: DomainName.nullable().describe(
    "a wildcard DNS name pointing at the server (`*.apps.example.com`): each project is served over HTTPS at <project>.<baseDomain> by the server's proxy (Caddy); null: no proxy, services at http://<host>:<port>",
  ),
  httpsPort: Port.describe("the proxy's HTTPS port (443 unless the operator says otherwise)"),
  tls: ServerTls.describe(
    "`acme`: certificates from a public CA (the name must resolve to the server); `internal`: the proxy's own CA (tests, a local stack)",
  ),
  status: AdminServerStatus.describe(
    "`maintenance` and `offline` keep the checks from changing it; `active` hands it back to them",
  ),
};

const portRangeInOrder = (s: { portRangeStart?: number; portRangeEnd?: number }) =>
  s.portRangeStart === undefined || s.portRangeEnd === undefined || s.portRangeStart <= s.portRangeEnd;
const portRangeIssue = { message: "portRangeStart must not exceed portRangeEnd", path: ["portRangeEnd"] };

export const CreateServer = z
  .strictObject({
    ...serverFields,
    sshPort: serverFields.sshPort.default(22),
    sshUser: serverFields.sshUser.default("root"),
    labels: serverFields.labels.default({}),
    portRangeStart: serverFields.portRangeStart.default(8000),
    portRangeEnd: serverFields.portRangeEnd.default(8999),
    knownHosts: serverFields.knownHosts.default(null),
    trustFirstHostKey: serverFields.trustFirstHostKey.default(false),
    deployRoot: serverFields.deployRoot.default("/srv/apps"),
    serviceManager: serverFields.serviceManager.default("auto"),
    baseDomain: serverFields.baseDomain.default(null),
    httpsPort: serverFields.httpsPort.default(443),
    tls: serverFields.tls.default("acme"),
    status: serverFields.status.default("active"),
  })
  .refine(portRangeInOrder, portRangeIssue)
  .meta({ id: "CreateServer" });

export const UpdateServer = z
  .strictObject(serverFields)
  .partial()
  .refine(portRangeInOrder, portRangeIssue)
  .meta({ id: "UpdateServer" });

export const Allocation = z
  .object({
    id: Ulid,
    serverId: Ulid,
    port: Port,
    projectId: Ulid,
    service: z.string(),
    memoryMb: z.number().int(),
    createdAt: Timestamp,
  })
  .meta({ id: "Allocation" });
export type Allocation = z.infer<typeof Allocation>;

export const CreateAllocation = z
  .strictObject({
    projectId: Ulid,
    service: Slug.describe("the service inside the project that listens on the port"),
    serverId: Ulid.optional().describe("omit to let the allocator pick a server"),
    labels: Labels.default({}).describe("when picking a server: labels it must carry"),
    memoryMb: z.number().int().min(0).max(16_777_216).default(0),
  })
  .meta({ id: "CreateAllocation" });
export type CreateAllocation = z.infer<typeof CreateAllocation>;
