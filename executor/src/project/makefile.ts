/**
 * The targets a Makefile defines, read the way make reads rule lines, without running make (the
 * Makefile is the repository's: untrusted). Enough to tell `test`, `start`, `run` and `up` apart
 * from variables, recipes, `define` blocks and pattern rules; targets made by `include`d files or
 * computed names (`$(NAME):`) are not seen.
 *
 *   makeTargets("test: build\n\tpython3 -m unittest\nX := 1\n")  // Set { "test" }
 */

/** A target name as projects write them: no variables, patterns or special targets (`.PHONY`). */
const PLAIN_TARGET = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A rule line: targets, then `:` or `::`, not an assignment (`:=`, `::=`, `:::=`, `=`, `?=`,
 * `+=`, `!=`, all of which put `=` before or right after the colon).
 */
const RULE = /^([^:=#]+?)\s*::?(?![:=])/;

export function makeTargets(text: string): Set<string> {
  const targets = new Set<string>();
  let defineDepth = 0;
  for (const line of logicalLines(text)) {
    // A recipe line belongs to the rule above it.
    if (line.startsWith("\t")) continue;
    const code = line.replace(/#.*$/, "").trim();
    if (/^define(\s|$)/.test(code)) defineDepth++;
    else if (/^endef(\s|$)/.test(code)) defineDepth = Math.max(0, defineDepth - 1);
    if (defineDepth > 0) continue;
    const rule = RULE.exec(code);
    if (!rule?.[1]) continue;
    for (const name of rule[1].trim().split(/\s+/)) if (PLAIN_TARGET.test(name)) targets.add(name);
  }
  return targets;
}

/** The recipe lines of `target`'s rules (every rule that names it), joined; "" when it has none. */
export function makeRecipe(text: string, target: string): string {
  const recipe: string[] = [];
  let inRule = false;
  for (const line of logicalLines(text)) {
    if (line.startsWith("\t")) {
      if (inRule) recipe.push(line.slice(1));
      continue;
    }
    const code = line.replace(/#.*$/, "").trim();
    if (code === "") continue;
    const rule = RULE.exec(code);
    inRule = Boolean(rule?.[1]?.trim().split(/\s+/).includes(target));
  }
  return recipe.join("\n");
}

/** The lines make reads: a backslash at the end of a line joins the next one to it. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of text.split(/\r?\n/)) {
    if (raw.endsWith("\\")) {
      pending += `${raw.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + raw);
    pending = "";
  }
  if (pending) lines.push(pending);
  return lines;
}
