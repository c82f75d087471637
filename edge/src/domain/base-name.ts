/**
 * The playbooks' and the templates' rule for a name (a letter first, at most 63 characters), apart
 * from the resource names that D1 keeps unique (resource-names.ts), so the Architect's pure code
 * can use it too.
 *
 *   baseName("shop-api")  // "shop-api"
 *   baseName("42-things") // "svc-42-things"
 */
export const baseName = (slug: string) =>
  /^[a-z][a-z0-9-]{1,62}$/.test(slug) ? slug : `svc-${slug}`.slice(0, 63);
