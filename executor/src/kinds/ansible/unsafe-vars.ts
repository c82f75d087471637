/**
 * Ansible variables files in which every string is marked `!unsafe`, so Ansible never evaluates
 * a value as a template: `{{ lookup('pipe', …) }}` in an env value, a secret or a project name
 * arrives as those characters, not as a command run on the controller.
 *
 *   await writeFile(file, unsafeVarsYaml({ app_env: { GREETING: "{{ x }}" } }), { mode: 0o600 });
 *   // ansible-playbook -e @file  →  app_env.GREETING == "{{ x }}", byte for byte
 *
 * Written as YAML flow collections with every character outside printable ASCII escaped, so no
 * YAML line folding (NEL, LS, PS) or normalisation touches a value on its way in.
 */
/** A YAML double-quoted scalar holding exactly `text`. */
function quoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** A JSON value (the specs are zod-checked JSON) as YAML flow content. */
function value(node: unknown): string {
  if (typeof node === "string") return `!unsafe ${quoted(node)}`;
  if (Array.isArray(node)) return `[${node.map(value).join(", ")}]`;
  if (node === null || typeof node !== "object") return JSON.stringify(node ?? null);
  return `{${Object.entries(node)
    .map(([key, item]) => `${quoted(key)}: ${value(item)}`)
    .join(", ")}}`;
}

/** A variables file (`-e @file`) for this mapping, every string value marked `!unsafe`. */
export function unsafeVarsYaml(vars: Record<string, unknown>): string {
  return `${value(vars)}\n`;
}
