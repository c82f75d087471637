/**
 * Copier's `_external_data`: named YAML files of the destination (most often another template's
 * answers file) read into `_external_data.<name>`. Each path is Jinja, rendered with the context
 * at hand: Copier loads them lazily, so a path may name an answer; here they are read before each
 * question (with the answers so far) and once all are known (for the files). A missing file reads
 * as `{}` with a warning, as in Copier; a path that renders to nothing, as `{}`. Unlike Copier, a path
 * that leaves the destination (`..`, an absolute path, a link out) is refused: a template is not
 * trusted to read the executor's other files.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { ScaffoldError } from "./errors.ts";
import type { TemplateRenderer } from "./jinja/template-renderer.ts";
import type { ScaffoldLog } from "./options.ts";
import { pyYamlOptions } from "./pyyaml.ts";

/** A file larger than this is refused: it is data for a template, not a payload. */
const MAX_EXTERNAL_BYTES = 1_048_576;

/**
 * The template's external data as a reader of contexts (null: it declares none): each call renders
 * the paths with the context it is given and reads each file once, however often it is named.
 */
export function externalDataReader(
  settings: { external_data: Record<string, string> },
  env: TemplateRenderer,
  root: string,
  log: ScaffoldLog,
): ((context: Record<string, unknown>) => Promise<Record<string, unknown>>) | null {
  const entries = Object.entries(settings.external_data);
  if (entries.length === 0) return null;
  const read = new Map<string, Promise<External>>();
  return async (context) => {
    const loaded: Record<string, unknown> = {};
    for (const [name, template] of entries) {
      const relative = (await env.render(template, context, `copier.yml (_external_data.${name})`)).trim();
      const key = `${name}\0${relative}`;
      if (!read.has(key)) read.set(key, readExternal(name, relative, root, log));
      const external = (await read.get(key)) ?? EMPTY;
      loaded[name] = external.data;
      // The renderer gives these their Python form (`16.0`), as answers of `type: float`.
      for (const at of external.floats) env.floats.add(["_external_data", name, ...at].join("."));
    }
    return loaded;
  };
}

/** A file's data, and where in it PyYAML reads a float with an integral value (`16.0`): JSON cannot say so. */
interface External {
  data: unknown;
  floats: string[][];
}

const EMPTY: External = { data: {}, floats: [] };

async function readExternal(
  name: string,
  relative: string,
  root: string,
  log: ScaffoldLog,
): Promise<External> {
  // A path that names an answer not given yet renders empty: nothing to read, nothing to say.
  if (!relative) return EMPTY;
  const missing = () => {
    log("system", `external data ${name}: file not found (${relative}); using {}\n`);
    return EMPTY;
  };
  const file = path.resolve(root, relative);
  if (path.isAbsolute(relative) || !inside(root, file))
    throw new ScaffoldError("invalid_template", `_external_data.${name} leaves the project: ${relative}`);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return missing();
  // A link inside the project may point out of it.
  if (!inside(await realpath(root), await realpath(file)))
    throw new ScaffoldError("invalid_template", `_external_data.${name} leaves the project: ${relative}`);
  if (info.size > MAX_EXTERNAL_BYTES)
    throw new ScaffoldError(
      "invalid_template",
      `_external_data.${name}: ${relative} is larger than ${MAX_EXTERNAL_BYTES} bytes`,
    );
  try {
    const document = parseDocument(await readFile(file, "utf8"), {
      ...pyYamlOptions(),
      keepSourceTokens: true,
    });
    if (document.errors[0]) throw document.errors[0];
    return { data: document.toJS() ?? {}, floats: floatPaths(document.contents) };
  } catch (error) {
    throw new ScaffoldError(
      "invalid_template",
      `_external_data.${name}: ${relative} is not YAML: ${(error as Error).message}`,
    );
  }
}

const inside = (root: string, file: string) => {
  const relative = path.relative(root, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
};

/** The paths (keys, list indexes) of plain scalars written as floats whose value is integral. */
function floatPaths(node: unknown, at: string[] = []): string[][] {
  if (isMap(node))
    return node.items.flatMap((pair) =>
      isScalar(pair.key) ? floatPaths(pair.value, [...at, String(pair.key.value)]) : [],
    );
  if (isSeq(node)) return node.items.flatMap((item, index) => floatPaths(item, [...at, String(index)]));
  if (isScalar(node) && Number.isInteger(node.value) && /^[-+]?[0-9_]*\.[0-9_]*$/.test(node.source ?? ""))
    return [at];
  return [];
}
