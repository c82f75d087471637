import { z } from "zod";
import { Labels, Slug, Timestamp, Ulid } from "./common.ts";

export const ServerStatus = z.enum(["active", "maintenance", "offline"]);
/** How deploy_project runs a project's service: `auto` picks compose, systemd or a supervised process. */
export const ServiceManager = z.enum(["auto", "compose", "systemd", "process"]);

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or an IP address");
const Port = z.number().int().min(1).max(65_535);

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
    status: ServerStatus,
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
  status: ServerStatus,
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
