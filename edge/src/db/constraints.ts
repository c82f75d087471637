/** D1 reports constraint failures only in the message; drizzle wraps them as the `cause`. */
export function violatedConstraint(err: unknown): "unique" | "foreign_key" | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const match = /(UNIQUE|FOREIGN KEY) constraint failed/.exec(e.message);
    if (match) return match[1] === "UNIQUE" ? "unique" : "foreign_key";
  }
  return null;
}
