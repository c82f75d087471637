/**
 * The CLI's output for people: a list as a table of its telling columns, an object as `field:
 * value` lines, text as it is. Scripts use `--json`, which prints the API's JSON unchanged.
 */

/** Columns shown for lists, in this order, when a row has them (at most six). */
const PREFERRED = [
  "id",
  "name",
  "kind",
  "status",
  "role",
  "host",
  "pool",
  "connected",
  "running",
  "capacity",
  "version",
  "url",
  "createdAt",
];
const MAX_COLUMNS = 6;
const MAX_CELL = 48;

export function render(value: unknown, columns?: string[]): string {
  if (value === undefined || value === null || value === "") return "";
  if (typeof value === "string") return value.endsWith("\n") ? value : `${value}\n`;
  const items = Array.isArray(value) ? value : (value as { items?: unknown }).items;
  if (Array.isArray(items)) return table(items as Record<string, unknown>[], columns);
  return fields(value as Record<string, unknown>);
}

function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return "(none)\n";
  const chosen =
    columns ?? PREFERRED.filter((column) => rows.some((row) => column in row)).slice(0, MAX_COLUMNS);
  const cells = rows.map((row) => chosen.map((column) => cell(row[column])));
  const widths = chosen.map((column, i) =>
    Math.max(column.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (parts: string[]) =>
    parts
      .map((part, i) => part.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${[line(chosen.map((column) => column.toUpperCase())), ...cells.map(line)].join("\n")}\n`;
}

function fields(object: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(object).map((key) => key.length));
  return `${Object.entries(object)
    .map(
      ([key, value]) =>
        `${`${key}:`.padEnd(width + 1)} ${value !== null && typeof value === "object" ? JSON.stringify(value) : String(value)}`,
    )
    .join("\n")}\n`;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}
