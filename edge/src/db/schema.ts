/**
 * The control plane's data model in D1. Migrations in `migrations/` are generated from this file
 * with `npm run db:generate`; a test fails when the two disagree.
 *
 * Conventions: ids are ULIDs (text), times are integer milliseconds since the epoch, lists and
 * maps are JSON text. Rows that users delete are soft-deleted (`deleted_at`) where history matters.
 */
import type {
  IncidentAction,
  IncidentEvidence,
  ProjectManifest,
  ProjectSpec,
  RecoveryStep,
  Scope,
  ServerCheck,
  TemplateQuestion,
} from "@codegen-orchestrator/shared";
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at", { mode: "timestamp_ms" }).notNull();
const updatedAt = () => integer("updated_at", { mode: "timestamp_ms" }).notNull();

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  telegramId: integer("telegram_id").unique(),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "member"] })
    .notNull()
    .default("member"),
  status: text("status", { enum: ["active", "pending", "blocked"] })
    .notNull()
    .default("active"),
  /** What the user's projects may spend on models and agents per calendar month (UTC), in USD; null: no cap. Admins set it. */
  monthlyBudgetUsd: real("monthly_budget_usd"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    /** The key's first characters, shown in listings so a person can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. The key itself is shown once and never stored. */
    hash: text("hash").notNull().unique(),
    scopes: text("scopes", { mode: "json" }).$type<Scope[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    /** A chat's Product-Owner key: the chat it answers (its agent job's questions go there). */
    chatId: integer("chat_id"),
    /** The job a key was minted for (revoked when the job ends); null for a person's key. */
    jobId: text("job_id"),
  },
  (t) => [index("api_keys_user_idx").on(t.userId), index("api_keys_job_idx").on(t.jobId)],
);

export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    slug: text("slug").notNull(),
    /**
     * What the project's resources outside D1 are named by (its repository, its directory, unit
     * and compose project on a server): unique across owners, set once, never reused.
     */
    resourceName: text("resource_name").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    templateSource: text("template_source"),
    templateRef: text("template_ref"),
    /** The catalog template it is built from (null: the default template). */
    templateId: text("template_id"),
    /** The template's version it was scaffolded from (a git template's tag or commit), once it was. */
    templateVersion: text("template_version"),
    modules: text("modules", { mode: "json" }).$type<string[]>().notNull(),
    /** The executor pool its jobs run in (and its secrets go to); admins set it. */
    pool: text("pool").notNull().default("default"),
    /** The Architect's spec (name, description, modules, acceptance criteria), once a run made one. */
    spec: text("spec", { mode: "json" }).$type<ProjectSpec>(),
    repoUrl: text("repo_url"),
    status: text("status").notNull().default("draft"),
    /** How often its monitor checks the deployed service, in seconds. */
    monitorIntervalS: integer("monitor_interval_s").notNull().default(60),
    /** What its monitor does, in order, when the service is down (shared/src/monitor.ts). */
    recoveryPolicy: text("recovery_policy", { mode: "json" })
      .$type<RecoveryStep[]>()
      .notNull()
      .default(sql`'["restart","rollback","ask"]'`),
    /** What the project may spend per calendar month (UTC), in USD; null: only its owner's cap applies. */
    monthlyBudgetUsd: real("monthly_budget_usd"),
    /** A domain of the owner's, served by its server's proxy beside <project>.<baseDomain>. */
    customDomain: text("custom_domain"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // A slug is unique among an owner's live projects; a deleted project frees its slug.
    uniqueIndex("projects_owner_slug_live_idx").on(t.ownerId, t.slug).where(sql`deleted_at IS NULL`),
    // Deleted projects keep theirs: a new project never takes over an old one's repository or directory.
    uniqueIndex("projects_resource_name_idx").on(t.resourceName),
    // One project per custom domain (the proxy would serve only one of them).
    uniqueIndex("projects_custom_domain_idx").on(t.customDomain),
  ],
);

export const secrets = sqliteTable(
  "secrets",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    /** AES-256-GCM ciphertext (with tag), base64. Additional data binds it to project + name. */
    ciphertext: text("ciphertext").notNull(),
    iv: text("iv").notNull(),
    keyVersion: integer("key_version").notNull(),
    /** Given to the production release only: a preview of a branch never gets it. */
    productionOnly: integer("production_only", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("secrets_project_name_idx").on(t.projectId, t.name)],
);

export const servers = sqliteTable("servers", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  host: text("host").notNull(),
  sshPort: integer("ssh_port").notNull().default(22),
  sshUser: text("ssh_user").notNull().default("root"),
  labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull(),
  memoryMb: integer("memory_mb").notNull(),
  cpuCores: real("cpu_cores").notNull(),
  portRangeStart: integer("port_range_start").notNull().default(8000),
  portRangeEnd: integer("port_range_end").notNull().default(8999),
  /** The host keys accepted for it (known_hosts lines). */
  knownHosts: text("known_hosts"),
  /**
   * The admin allows the key the server presents at first contact to be recorded (once, audited):
   * without it and without `knownHosts`, nothing deploys there.
   */
  trustFirstHostKey: integer("trust_first_host_key", { mode: "boolean" }).notNull().default(false),
  /** Where deploy_project puts projects, and how it runs them (ansible/README.md#deploy_project). */
  deployRoot: text("deploy_root").notNull().default("/srv/apps"),
  serviceManager: text("service_manager", { enum: ["auto", "compose", "systemd", "process"] })
    .notNull()
    .default("auto"),
  /** Projects are served at https://<project>.<baseDomain> by the server's proxy; null: no proxy. */
  baseDomain: text("base_domain"),
  httpsPort: integer("https_port").notNull().default(443),
  tls: text("tls", { enum: ["acme", "internal"] })
    .notNull()
    .default("acme"),
  /** maintenance and offline are the admin's; the periodic check sets active, degraded, unreachable. */
  status: text("status", { enum: ["active", "maintenance", "offline", "degraded", "unreachable"] })
    .notNull()
    .default("active"),
  /** What the last periodic check saw (domain/server-checks.ts). */
  lastCheck: text("last_check", { mode: "json" }).$type<ServerCheck>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const portAllocations = sqliteTable(
  "port_allocations",
  {
    id: text("id").primaryKey(),
    serverId: text("server_id")
      .notNull()
      .references(() => servers.id),
    port: integer("port").notNull(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    service: text("service").notNull(),
    /** Memory reserved on the server for this service; the allocator's "free memory" subtracts it. */
    memoryMb: integer("memory_mb").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    // The last guard against double allocation, behind the Allocator Durable Object's serialisation.
    uniqueIndex("port_allocations_server_port_idx").on(t.serverId, t.port),
    index("port_allocations_project_idx").on(t.projectId),
  ],
);

export const executors = sqliteTable("executors", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  tokenPrefix: text("token_prefix").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull(),
  capabilities: text("capabilities", { mode: "json" }).$type<string[]>().notNull(),
  capacity: integer("capacity").notNull().default(1),
  status: text("status").notNull().default("offline"),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
  revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
});

export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    /**
     * `undeploy`: a deleted project's teardown; `preview`, `preview_teardown`: a branch's preview
     * deployed, removed (the DevOps workflow carries them out).
     */
    kind: text("kind", {
      enum: ["engineering", "devops", "upgrade", "undeploy", "preview", "preview_teardown"],
    }).notNull(),
    status: text("status").notNull().default("queued"),
    workflowInstanceId: text("workflow_instance_id"),
    /** The chat (Telegram or web) that started the run, which gets its progress; null when started through the API. */
    chatId: integer("chat_id"),
    /**
     * A fix run's brief (an engineering run a service monitor started): the incident's evidence,
     * which the Developer's first iteration gets as data; null for every other run.
     */
    brief: text("brief"),
    error: text("error"),
    /** What the run's user allowed it past the monthly budgets, in USD (the chat's "raise the cap"). */
    budgetRaiseUsd: real("budget_raise_usd").notNull().default(0),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("runs_project_idx").on(t.projectId)],
);

/** A run's timeline: one row per pipeline step, written by the step itself (idempotently). */
export const runSteps = sqliteTable(
  "run_steps",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    name: text("name").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed", "skipped"] }).notNull(),
    /** The executor job the step ran, if any (its log: `GET /jobs/{id}/log`). */
    jobId: text("job_id"),
    /** A small summary (a commit, a URL, counts); large outputs live in R2 and the job log. */
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    costUsd: real("cost_usd").notNull().default(0),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("run_steps_run_name_idx").on(t.runId, t.name)],
);

/**
 * A branch of a project deployed beside its production release, on the same server: its own
 * resource name (hence Unix user and directory), port allocation (`service` = `preview-<slug>`)
 * and proxy site, until it is removed (by the API, its TTL, or its branch gone). The row goes
 * when its teardown run has removed it from the server.
 */
export const previews = sqliteTable(
  "previews",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    branch: text("branch").notNull(),
    /** The branch as a DNS label (lower-case, at most 30 characters). */
    slug: text("slug").notNull(),
    /** What it is named by on its server: `<project's resource name>--<slug>`. */
    resourceName: text("resource_name").notNull(),
    serverId: text("server_id")
      .notNull()
      .references(() => servers.id),
    /** `https://<slug>--<project>.<base domain>`. */
    url: text("url").notNull(),
    commitSha: text("commit_sha"),
    status: text("status", { enum: ["deploying", "live", "failed", "removing"] }).notNull(),
    /** The latest run on it: its deploy, or its teardown once it is `removing`. */
    runId: text("run_id").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("previews_project_slug_idx").on(t.projectId, t.slug),
    uniqueIndex("previews_resource_name_idx").on(t.resourceName),
    index("previews_expires_idx").on(t.expiresAt),
  ],
);

export const deployments = sqliteTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    runId: text("run_id").references(() => runs.id),
    serverId: text("server_id").references(() => servers.id),
    commitSha: text("commit_sha"),
    url: text("url"),
    status: text("status").notNull().default("pending"),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("deployments_project_idx").on(t.projectId)],
);

/**
 * Something went wrong with a project (a failed release, a service its monitor found down) or a
 * server (unreachable): one row per outage, closed when it is over.
 */
export const incidents = sqliteTable(
  "incidents",
  {
    id: text("id").primaryKey(),
    /** The project it concerns; null for a server's incident (an admin's). */
    projectId: text("project_id").references(() => projects.id),
    serverId: text("server_id").references(() => servers.id),
    deploymentId: text("deployment_id").references(() => deployments.id),
    kind: text("kind").notNull(),
    severity: text("severity", { enum: ["info", "warning", "critical"] }).notNull(),
    message: text("message").notNull(),
    /** What the checks saw (status codes, response excerpts, the unit's last log lines). */
    evidence: text("evidence", { mode: "json" }).$type<IncidentEvidence>(),
    /** What was done about it, in order (a restart, a rollback, an agent's run, a mute). */
    actions: text("actions", { mode: "json" }).$type<IncidentAction[]>().notNull().default(sql`'[]'`),
    /** The first failed check of the outage: time to detect is openedAt − startedAt. */
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    openedAt: integer("opened_at", { mode: "timestamp_ms" }).notNull(),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("incidents_project_idx").on(t.projectId), index("incidents_server_idx").on(t.serverId)],
);

/** A monitored service's day: how many checks, how many failed, and its latency percentiles. */
export const monitorDays = sqliteTable(
  "monitor_days",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    /** UTC, `YYYY-MM-DD`. */
    day: text("day").notNull(),
    checks: integer("checks").notNull(),
    failures: integer("failures").notNull(),
    latencyP50Ms: integer("latency_p50_ms"),
    latencyP95Ms: integer("latency_p95_ms"),
    latencyP99Ms: integer("latency_p99_ms"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day] })],
);

export const costs = sqliteTable(
  "costs",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").references(() => projects.id),
    runId: text("run_id").references(() => runs.id),
    /** The executor job it paid for (jobs live in the ExecutorHub's storage, not here). */
    jobId: text("job_id"),
    /** The chat whose Product-Owner conversation spent it, for per-chat totals. */
    chatId: integer("chat_id"),
    source: text("source").notNull(),
    amountUsd: real("amount_usd").notNull(),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    createdAt: createdAt(),
  },
  (t) => [index("costs_project_idx").on(t.projectId), index("costs_chat_idx").on(t.chatId)],
);

/** The web console's one-time sign-in links (bot `/login`, the API, `npm start`); tokens hashed. */
export const signInLinks = sqliteTable(
  "sign_in_links",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    hash: text("hash").notNull().unique(),
    via: text("via", { enum: ["telegram", "api", "local"] }).notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    /** A link opens one session, once. */
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("sign_in_links_user_idx").on(t.userId)],
);

/** Browser sessions (the cookie's value hashed); one opened with an API key has its scopes and ends with it. */
export const webSessions = sqliteTable(
  "web_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    hash: text("hash").notNull().unique(),
    method: text("method", { enum: ["link", "api_key"] }).notNull(),
    keyId: text("key_id").references(() => apiKeys.id),
    createdAt: createdAt(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("web_sessions_user_idx").on(t.userId)],
);

/**
 * A user's chat in the web console. Its number is the chat id the chat machinery uses (runs' and
 * costs' `chat_id`, the chat agent's name): `WEB_CHAT_BASE + seq`, above every Telegram chat id.
 */
export const webChats = sqliteTable("web_chats", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  userId: text("user_id")
    .notNull()
    .unique()
    .references(() => users.id),
  createdAt: createdAt(),
});

/** How a catalog template reads, from its inspection: where its files are and what it says. */
export interface TemplateSettings {
  file: string | null;
  subdirectory: string;
  messages: { beforeCopy: string; afterCopy: string; beforeUpdate: string; afterUpdate: string };
}

/** Why a template is `invalid`: the engine's words, and the file and line when it named them. */
export interface TemplateProblem {
  code?: string;
  message: string;
  file?: string;
  line?: number;
}

/**
 * The template catalog: Copier templates a project can be built from, registered by admins and
 * checked by an inspect job on an executor (`checking` → `ready` with its questions, or `invalid`).
 */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    title: text("title").notNull(),
    /** What the template builds, for the Architect choosing one. */
    description: text("description").notNull(),
    /** What it is for: `http-api`, `python`, `telegram-bot`. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    sourceKind: text("source_kind", { enum: ["builtin", "git"] }).notNull(),
    /** `builtin`: the directory under the executors' templates directory; `git`: the repository URL. */
    source: text("source").notNull(),
    /** `git`: the PEP 440 constraint on its tags (null: its default branch). */
    versionConstraint: text("version_constraint"),
    status: text("status", { enum: ["checking", "ready", "invalid"] }).notNull(),
    questions: text("questions", { mode: "json" }).$type<TemplateQuestion[]>(),
    settings: text("settings", { mode: "json" }).$type<TemplateSettings>(),
    /** `git`: the tag the constraint chose (null without one) and the commit it names. */
    versionTag: text("version_tag"),
    versionCommit: text("version_commit"),
    error: text("error", { mode: "json" }).$type<TemplateProblem>(),
    /**
     * What its projects' profiles go by when their repository has no `orchestrator.json` (a
     * third-party template): a `ProjectManifest`, set by an admin; null: the conventions.
     */
    manifest: text("manifest", { mode: "json" }).$type<ProjectManifest>(),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
    /**
     * A ready git template is checked again for a newer release (the cron, an admin): each new
     * check has the next round, and only the latest round's answer is written.
     */
    checkRound: integer("check_round").notNull().default(0),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // A name is unique among live templates; a deleted one frees its name.
    uniqueIndex("templates_name_live_idx").on(t.name).where(sql`deleted_at IS NULL`),
    index("templates_status_idx").on(t.status),
  ],
);

/**
 * A project's upgrade to a newer version of its catalog template: the `upgrade` run that made its
 * branch, the tests' verdict, and the owner's decision. One row per project and version: a skipped
 * version is not offered again; a failed one may be started again (the row is reused).
 */
export const templateUpgrades = sqliteTable(
  "template_upgrades",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    templateId: text("template_id")
      .notNull()
      .references(() => templates.id),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    fromVersion: text("from_version"),
    toVersion: text("to_version").notNull(),
    status: text("status", {
      enum: ["running", "offered", "merged", "skipped", "expired", "failed"],
    }).notNull(),
    branch: text("branch"),
    commit: text("commit"),
    pullRequestUrl: text("pull_request_url"),
    testsPassed: integer("tests_passed", { mode: "boolean" }),
    conflicts: text("conflicts", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    error: text("error"),
    createdAt: createdAt(),
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("template_upgrades_version_idx").on(t.projectId, t.toVersion),
    uniqueIndex("template_upgrades_run_idx").on(t.runId),
    index("template_upgrades_template_idx").on(t.templateId),
  ],
);

/**
 * The Telegram bot pool: tokens an admin registered (sealed like project secrets, bound to the
 * pool and the row's id), handed to projects whose environment asks for a bot token as ports are.
 * `releasing`: its project was deleted and the bot waits for its service to be gone (and its
 * webhook and name reset) before it is `free` again.
 */
export const telegramBots = sqliteTable(
  "telegram_bots",
  {
    id: text("id").primaryKey(),
    /** Telegram's id of the bot (getMe), unique: one token per bot in the pool. */
    botId: integer("bot_id").notNull(),
    username: text("username").notNull(),
    ciphertext: text("ciphertext").notNull(),
    iv: text("iv").notNull(),
    keyVersion: integer("key_version").notNull(),
    status: text("status", { enum: ["free", "assigned", "releasing"] }).notNull(),
    projectId: text("project_id").references(() => projects.id),
    /** The project's variable it fills (TELEGRAM_BOT_TOKEN, or one marked as a bot token). */
    variable: text("variable"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("telegram_bots_bot_id_idx").on(t.botId),
    index("telegram_bots_status_idx").on(t.status),
    index("telegram_bots_project_idx").on(t.projectId),
  ],
);

export { auditLog } from "./audit-table.ts";
