/**
 * Every setting of the Worker, by area: the one list docs/settings.md is made from
 * (`npm run docs:settings`) and the settings half of the Worker's `Env` type (env.ts).
 */
import { apiSettings } from "./api.ts";
import { budgetSettings } from "./budgets.ts";
import { chatSettings } from "./chat.ts";
import { consoleSettings } from "./console.ts";
import type { SettingsGroup } from "./define.ts";
import { githubSettings } from "./github.ts";
import { hubSettings } from "./hub.ts";
import { modelSettings } from "./models.ts";
import { monitorSettings } from "./monitors.ts";
import { pipelineSettings } from "./pipelines.ts";
import { quotaSettings } from "./quotas.ts";
import { repositorySettings } from "./repositories.ts";
import { secretSettings } from "./secrets.ts";
import { serverSettings } from "./servers.ts";
import { telegramSettings } from "./telegram.ts";
import { templateSettings } from "./templates.ts";
import { traceSettings } from "./traces.ts";

export const settingsGroups = [
  apiSettings,
  secretSettings,
  quotaSettings,
  budgetSettings,
  telegramSettings,
  chatSettings,
  modelSettings,
  pipelineSettings,
  monitorSettings,
  traceSettings,
  repositorySettings,
  templateSettings,
  githubSettings,
  hubSettings,
  serverSettings,
  consoleSettings,
] as const;

type NamesOf<G> = G extends SettingsGroup<infer S> ? keyof S & string : never;
export type SettingName = NamesOf<(typeof settingsGroups)[number]>;
