/**
 * What a preview is named by: its branch as a DNS label (`previewSlug`), its resource name on the
 * server and its label in the proxy (`previewNames`), its port allocation's service.
 *
 *   previewNames("shop", previewSlug("Fix/Login"))
 *   // { resourceName: "shop--fix-login", label: "fix-login--shop" }
 */
const SLUG_MAX = 30;
const LABEL_MAX = 63;

/** The port allocation's `service` of a preview (a slug, as the allocations API has them). */
export const previewService = (slug: string) => `preview-${slug}`;

/** A short, stable hash of a name (FNV-1a, base 36): what tells two truncated names apart. */
function shortHash(name: string): string {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash.toString(36).padStart(7, "0").slice(-6);
}

/** `name` cut to `max` characters, a hash of the whole marking the cut. */
const fit = (name: string, max: number) =>
  name.length <= max ? name : `${name.slice(0, max - 7).replace(/-+$/, "")}-${shortHash(name)}`;

/**
 * The branch as a DNS label: lower-case, each run of other characters one `-`, no dash at either
 * end, at most 30 characters (a hash of the branch marking a cut); "" when nothing is left.
 *
 *   previewSlug("Feature/Login_Form")  // "feature-login-form"
 */
export function previewSlug(branch: string): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!slug) return "";
  return slug.length <= SLUG_MAX
    ? slug
    : `${slug.slice(0, SLUG_MAX - 7).replace(/-+$/, "")}-${shortHash(branch)}`;
}

/**
 * A preview's names: on the server (`<resource name>--<slug>`, the playbooks' rule: a letter first,
 * at most 63) and in the proxy (`<slug>--<resource name>`, a DNS label). New projects' resource
 * names hold no `--` (resource-names.ts), so neither clashes with a project's.
 */
export const previewNames = (resourceName: string, slug: string) => ({
  resourceName: `${fit(resourceName, LABEL_MAX - 2 - slug.length)}--${slug}`,
  label: `${slug}--${fit(resourceName, LABEL_MAX - 2 - slug.length)}`,
});
