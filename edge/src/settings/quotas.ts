/** Per-member quotas; admins are exempt (domain/quotas.ts). */
import { defineSettings, positiveInt, setting } from "./define.ts";

const settings = {
  MEMBER_MAX_PROJECTS: setting(positiveInt, { default: 20, doc: "Live projects a member may have." }),
  MEMBER_MAX_ACTIVE_RUNS: setting(positiveInt, {
    default: 5,
    doc: "Runs a member may have queued, running or waiting at once.",
  }),
  MEMBER_MAX_MEMORY_MB: setting(positiveInt, {
    default: 8192,
    doc: "Memory, in MB, that a member's port allocations may reserve in all.",
  }),
  MEMBER_MAX_PORTS: setting(positiveInt, { default: 20, doc: "Ports a member's projects may hold in all." }),
};

export type QuotaSettings = typeof settings;
export const quotaSettings = defineSettings("Member quotas", settings);
