/**
 * A project's resource name: what its repository, its server directory, its unit and its compose
 * project are named by. Slugs are unique per owner only, so two members' `shop-api` would share
 * (and overwrite) each other's release; the resource name is unique across owners, set once at
 * creation and kept after deletion, so no project ever takes over another's resources.
 *
 *   await resourceNameFor(db, "shop-api", id)  // "shop-api", or "shop-api-7k3m9q" when taken
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects } from "../db/schema.ts";
import { baseName } from "./base-name.ts";

/**
 * The base name without a double dash: `--` is the previews' separator (`<name>--<branch>`,
 * domain/previews.ts), so no project's name is ever a preview's.
 */
const single = (slug: string) => baseName(slug).replace(/-{2,}/g, "-");

/** The base name with the last 6 characters of the project's id (a ULID's random part). */
const suffixed = (slug: string, id: string) =>
  `${single(slug).slice(0, 56).replace(/-+$/, "")}-${id.slice(-6).toLowerCase()}`;

/** The base name when no project (live or deleted) holds it, else the suffixed one. */
export async function resourceNameFor(db: Db, slug: string, id: string): Promise<string> {
  const base = single(slug);
  const [holder] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.resourceName, base))
    .limit(1);
  return holder ? suffixed(slug, id) : base;
}
