/**
 * What a project says about itself for the pipelines: its manifest (`orchestrator.json` at the
 * root of its repository), and the profile an executor makes of a checkout: the manifest's
 * declarations, else the conventions its files follow (a Makefile's targets, package.json
 * scripts, a pytest configuration, a compose file with healthchecks), each decision with where it
 * came from, so that a person can read what was decided and correct it (by writing a manifest).
 * Repository content is untrusted: every field is bounded here, and commands stay argv.
 */
import { z } from "zod";

/** The manifest's file name, at the root of a project's repository. */
export const PROJECT_MANIFEST = "orchestrator.json";

/** A command as argv (no shell): what the Tester runs. */
export const CommandArgv = z.array(z.string().min(1).max(4096)).min(1).max(64);

const START_ARGV_CHARS = 8192;

/**
 * How the deployed service starts, as argv: the deploy hands it to the playbook as a list, which
 * quotes every word for /bin/sh, so nothing in it is ever read as shell syntax. One line per
 * word (no NUL, CR or LF) and bounded, because it travels in job specs and timelines.
 */
export const StartArgv = z
  .array(
    z
      .string()
      .min(1)
      .max(1024)
      .refine((word) => !/[\0\r\n]/.test(word), "no NUL, CR or LF in a word"),
  )
  .min(1)
  .max(32)
  .refine(
    (argv) => argv.reduce((total, word) => total + word.length, 0) <= START_ARGV_CHARS,
    `at most ${START_ARGV_CHARS} characters in all`,
  );

/** The path HealthCheck asks for: 200 means healthy. */
export const HealthPath = z
  .string()
  .max(512)
  .regex(/^\/[A-Za-z0-9._~/-]*$/, "a URL path");

/** A compose service's name, as Compose allows it. */
export const ComposeServiceName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, "a compose service name");

/**
 * The project's migrations: run once per deploy, before the release goes live (the old one still
 * serving), as argv. Under Compose they run in `service`'s image with the services it depends on
 * (`compose run --rm <service> …`); otherwise in the release directory, as the project's user,
 * with its `.env`. They must be idempotent (a migration tool's own bookkeeping does that).
 */
export const MigrateDeclaration = z.object({
  command: StartArgv,
  /** Compose projects: the service whose image runs the command (required there). */
  service: ComposeServiceName.optional(),
});

/** An environment variable's name, as `.env.example` writes it. */
export const EnvVariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a variable name");

/** Variables that hold Telegram bot tokens: the bot pool fills them (else the user is asked). */
export const TelegramBotVariables = z.array(EnvVariableName).max(10);

/** The health path a project gets when it declares none. */
export const DEFAULT_HEALTH_PATH = "/health";

/** What a project declares about itself for the pipelines. Unknown keys are ignored (newer manifests). */
export const ProjectManifest = z.object({
  test: z
    .object({
      /** Run first, once (e.g. installing dependencies); its failure fails the job. */
      setup: CommandArgv.optional(),
      /** Runs the tests: exit 0 means they passed. */
      command: CommandArgv,
      /** The tests need a Docker engine (they start the project's stack with Compose, say). */
      docker: z.boolean().optional(),
    })
    .optional(),
  service: z
    .object({
      /** Unset: `/health`, recorded as an assumption. */
      healthPath: HealthPath.optional(),
      /**
       * How long the service may take to answer its health path after a (re)start, in seconds
       * (migrations, warm-up); unset, the deployment's default.
       */
      startupSeconds: z.number().int().min(1).max(900).optional(),
      /** How the service starts, in its release directory with its `.env` (process and systemd managers). */
      start: StartArgv.optional(),
      migrate: MigrateDeclaration.optional(),
      /** Beside `TELEGRAM_BOT_TOKEN` (always one): other variables that hold a bot token. */
      telegramBots: TelegramBotVariables.optional(),
    })
    .optional(),
});
export type ProjectManifest = z.infer<typeof ProjectManifest>;

/** Where a decision came from, as a person reads it: "orchestrator.json", "Makefile: target `test`". */
const DecidedFrom = z.string().min(1).max(300);

export const ProjectProfile = z.strictObject({
  /** Whether the repository has a manifest (its declarations come before any convention). */
  manifest: z.boolean(),
  test: z
    .strictObject({
      setup: CommandArgv.optional(),
      command: CommandArgv,
      /** The tests call Docker: declared, or seen in the command's recipe (a Makefile target's). */
      docker: z.boolean().default(false),
      from: DecidedFrom,
    })
    .nullable(),
  start: z.strictObject({ command: StartArgv, from: DecidedFrom }).nullable(),
  healthPath: z.strictObject({ path: HealthPath, from: DecidedFrom }),
  startupSeconds: z.number().int().min(1).max(900).nullable(),
  /** The migrations to run before a release goes live: only a manifest declares them. */
  migrate: z
    .strictObject({ command: StartArgv, service: ComposeServiceName.nullable(), from: DecidedFrom })
    .nullable()
    .default(null),
  /** A compose file whose services declare healthchecks: the project can be deployed with Compose. */
  compose: z
    .strictObject({
      file: z.string().min(1).max(100),
      healthchecked: z.array(z.string().max(200)).max(50),
      from: DecidedFrom,
    })
    .nullable(),
  /** The variables the manifest marks as Telegram bot tokens; absent when it marks none. */
  telegramBots: TelegramBotVariables.optional(),
  /** What was looked at and not used (a file that did not parse, a target not found), for the record. */
  notes: z.array(z.string().max(500)).max(20),
});
export type ProjectProfile = z.infer<typeof ProjectProfile>;

/** What a repository can add so that its tests can be run: said when nothing says how. */
export const TEST_COMMAND_HINT = `add ${PROJECT_MANIFEST} with "test": {"command": [...]} (e.g. {"test": {"command": ["npm", "test"]}}), or follow a convention: a Makefile with a \`test\` target, a package.json with a "test" script, a pytest configuration (pytest.ini, [tool.pytest.ini_options] in pyproject.toml, [tool:pytest] in setup.cfg) or tests/test_*.py for unittest`;

/** What a repository can add so that its service can be started: said when nothing says how. */
export const START_COMMAND_HINT = `add ${PROJECT_MANIFEST} with "service": {"start": [...]} (argv, e.g. ["python3", "-m", "app"]), or follow a convention: a Makefile with a \`start\`, \`run\` or \`up\` target, a package.json (npm start), or a compose file (compose.yaml) whose services declare healthchecks`;
