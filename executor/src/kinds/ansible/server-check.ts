/**
 * server_check's answer: the figures and problems the play returned with set_stats
 * (`server_check`), checked against the result's schema. Ansible hands templated numbers back
 * as text, hence the coercion.
 */
import { ServerCheckOutput } from "@codegen-orchestrator/shared";
import { z } from "zod";

const Returned = z.object({
  diskFreePercent: z.coerce.number(),
  memoryAvailablePercent: z.coerce.number(),
  loadPerCore: z.coerce.number(),
  // Ansible templates None as "None" or "" in some versions: both mean no service manager.
  serviceManager: z
    .string()
    .nullable()
    .transform((value) => (value === null || value === "" || value === "None" ? null : value)),
  problems: z.array(z.string()),
});

/** The check in the play's set_stats data, or undefined when the play returned none. */
export function serverCheck(data: Record<string, unknown>): ServerCheckOutput | undefined {
  if (data.server_check === undefined) return undefined;
  return ServerCheckOutput.parse(Returned.parse(data.server_check));
}
