/**
 * The Worker's environment: its bindings, generated from wrangler.toml by `wrangler types` into
 * edge/worker-configuration.d.ts (checked by `npm test`, so it cannot drift), and its settings.
 * Nothing here imports a module of the Worker: every module may import this one.
 */
/**
 * The Worker's optional settings: vars and secrets (see .dev.vars.example). The vars wrangler.toml
 * sets are in the generated bindings.
 */
export interface EnvVars {
  /** Where project repositories are created: `<base>/<slug>.git` (a `file://` base: bare repos on the executor host). */
  REPO_BASE_URL?: string;
  /**
   * Hosts a project may import an existing repository from (https; `github.com`, `*.example.com`),
   * comma-separated; unset, none. REPO_ALLOW_LOCAL=true also allows file://, http:// and local
   * addresses (npm start and tests only: see edge/src/domain/repo-urls.ts).
   */
  REPO_ALLOWED_HOSTS?: string;
  REPO_ALLOW_LOCAL?: string;
  /**
   * A GitHub App for project repositories (see edge/src/github/config.ts): its id, its private key
   * (a Worker secret; PKCS#1 as downloaded, or PKCS#8) and the organization it creates repositories
   * in turn it on, in place of REPO_BASE_URL. Optional: the installation id (else looked up), the
   * API and git URLs (GitHub Enterprise Server), the repositories' visibility (default private).
   */
  GITHUB_APP_ID?: string;
  GITHUB_APP_PRIVATE_KEY?: string;
  GITHUB_OWNER?: string;
  GITHUB_APP_INSTALLATION_ID?: string;
  GITHUB_API_URL?: string;
  GITHUB_GIT_URL?: string;
  GITHUB_REPO_VISIBILITY?: string;
  /**
   * The Developer's agent: `claude-code` (default) or `droid`; where it runs: `process` (default),
   * `docker` or `sysbox` (with DEVELOPER_IMAGE, an image holding the agent's CLI); its model, turn
   * limit and model API base URL (default ANTHROPIC_BASE_URL). Its key is ANTHROPIC_API_KEY.
   */
  DEVELOPER_AGENT?: string;
  DEVELOPER_ISOLATION?: string;
  DEVELOPER_IMAGE?: string;
  DEVELOPER_MODEL?: string;
  DEVELOPER_MAX_TURNS?: string;
  DEVELOPER_BASE_URL?: string;
  /**
   * The Tester's image: set, the project's setup step and tests run in a container of it (on an
   * executor with Docker; the image must be there, with the project's toolchain), not on the host.
   */
  TESTER_IMAGE?: string;
  /**
   * "true": the Developer's agent and the project's tests may run on the executor host, outside
   * any container (development machines, npm start, tests). Unset: containers only.
   */
  RUN_PROJECT_CODE_ON_HOST?: string;
  /** Developer and Tester rounds before the user is asked what to do (default 3). */
  MAX_FIX_ITERATIONS?: string;
  /** The author of the commits the pipelines make. */
  GIT_AUTHOR_NAME?: string;
  GIT_AUTHOR_EMAIL?: string;
  /** Bootstrap admin bearer key. Unset or shorter than 24 characters: no bootstrap key. */
  ADMIN_API_KEY?: string;
  /** Keyring for secrets at rest: "<base64>" or "2:<base64>,1:<base64>" (current first). */
  SECRETS_KEY?: string;
  /** Executor heartbeat interval and job lease, in ms (defaults 10 000 and 45 000). */
  HUB_HEARTBEAT_MS?: string;
  HUB_LEASE_MS?: string;
  JOB_MAX_ATTEMPTS?: string;
  /** How long a job waits for the executor it prefers, while that one is busy (default 600 000 ms). */
  HUB_PREFER_WAIT_MS?: string;
  JOB_DEFAULT_TIMEOUT_MS?: string;

  /** The bot's token from @BotFather. Unset: the Telegram webhook answers 404. */
  TELEGRAM_BOT_TOKEN?: string;
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token; set with `npm run telegram:webhook`. */
  TELEGRAM_WEBHOOK_SECRET?: string;
  /** The Bot API origin (default Telegram's); tests and local fakes point it elsewhere. */
  TELEGRAM_API_ROOT?: string;
  /** Telegram user ids (comma-separated) who administer the bot: they approve new users. */
  ADMIN_TELEGRAM_IDS?: string;

  /** The model API key (the PO agent, the Architect, the EnvAnalyzer, the Developer) and an optional base URL, e.g. a proxy. */
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  /**
   * The private key executors use to reach managed servers over SSH (deploys, health checks), given
   * to `ansible` jobs as a system secret; its public half is in each server's authorized_keys.
   */
  DEPLOY_SSH_KEY?: string;
  /** How many times a deploy or rollback asks the service's health path (2 s apart) before failing; default 30. */
  DEPLOY_HEALTH_RETRIES?: string;
  /**
   * The PO agent's model settings (see models/settings.ts for defaults; its model, PO_MODEL, is a
   * var in wrangler.toml): tokens per answer, retries of a model call, and the USD per million
   * input / output tokens when the model is not in the built-in price list.
   */
  PO_MAX_TOKENS?: string;
  PO_MAX_RETRIES?: string;
  PO_PRICE_INPUT_PER_MTOK?: string;
  PO_PRICE_OUTPUT_PER_MTOK?: string;
  /**
   * The Architect's model settings, as the PO's (each unset one is the PO's; the PO's prices apply
   * only when it uses the PO's model, another model has its list price).
   */
  ARCHITECT_MODEL?: string;
  ARCHITECT_MAX_TOKENS?: string;
  ARCHITECT_MAX_RETRIES?: string;
  ARCHITECT_PRICE_INPUT_PER_MTOK?: string;
  ARCHITECT_PRICE_OUTPUT_PER_MTOK?: string;
  /** The EnvAnalyzer's model settings, defaulting to the PO's like the Architect's. */
  ENV_ANALYZER_MODEL?: string;
  ENV_ANALYZER_MAX_TOKENS?: string;
  ENV_ANALYZER_MAX_RETRIES?: string;
  ENV_ANALYZER_PRICE_INPUT_PER_MTOK?: string;
  ENV_ANALYZER_PRICE_OUTPUT_PER_MTOK?: string;
  /** The chat's limits (see chat/config.ts): model calls per turn, history size before it is summarised. */
  PO_MAX_TOOL_ROUNDS?: string;
  PO_HISTORY_MAX_CHARS?: string;
  /** A question or secret request is recalled after this many seconds, and expires after that many. */
  CHAT_REMIND_AFTER_S?: string;
  CHAT_EXPIRE_AFTER_S?: string;
  /** The least time between two edits of a run's status message, in ms. */
  STATUS_EDIT_INTERVAL_MS?: string;
}

declare global {
  namespace Cloudflare {
    // The settings join the generated bindings in the one global type, which the `agents` SDK and
    // the test runtime read too.
    interface Env extends EnvVars {}
  }
}

export type Env = Cloudflare.Env;
