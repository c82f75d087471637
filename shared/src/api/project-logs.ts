/** `GET /projects/{id}/logs`: the recent output of a project's deployed service, read on its host. */
import { z } from "zod";

/** A duration back from now: 1..999999 seconds, minutes, hours or days (`10m`, `2h`, `1d`). */
export const LogDuration = z
  .string()
  .regex(/^[1-9][0-9]{0,5}[smhd]$/, "a duration such as 30s, 10m, 2h or 1d");

export const LogsQuery = z.strictObject({
  lines: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe("how many of the last lines, 1..1000"),
  since: z
    .union([LogDuration, z.iso.datetime({ offset: true })])
    .optional()
    .describe("only lines since then: a duration back from now (`10m`, `2h`, `1d`) or an ISO 8601 time"),
});
export type LogsQuery = z.infer<typeof LogsQuery>;

export const ProjectLogs = z
  .object({
    lines: z
      .array(z.string())
      .describe("the last lines, oldest first, the project's secret values masked as `***`"),
    server: z.string().describe("the server the live deployment runs on"),
    manager: z
      .enum(["process", "systemd", "compose"])
      .nullable()
      .describe(
        "what runs the service there: its log file, its journal, or its compose project's logs; null when the host has nothing deployed",
      ),
    truncated: z
      .boolean()
      .describe("more than 128 KB were there: the oldest of the lines asked for were cut"),
  })
  .meta({ id: "ProjectLogs" });
export type ProjectLogs = z.infer<typeof ProjectLogs>;
