/** Copier's answer types and how a raw value (CLI text, JSON, a rendered default) becomes one. */

import { pyDisplay } from "./jinja/python.ts";
import { parsePyYaml } from "./pyyaml.ts";

export type QuestionType = "str" | "int" | "float" | "bool" | "json" | "yaml" | "path";
export const QUESTION_TYPES: readonly string[] = ["str", "int", "float", "bool", "json", "yaml", "path"];

/** Python's `float()` on text: decimals, exponents, underscores between digits, inf and nan. */
function pyFloat(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (!/^[+-]?(\d(_?\d)*)?(\.(\d(_?\d)*)?)?(e[+-]?\d(_?\d)*)?$/.test(t) || !/\d/.test(t.split("e")[0] ?? ""))
    return null;
  return Number(t.replace(/_/g, ""));
}

/** Copier's `cast_to_bool`: numbers by value, then yes/no words, then truthiness. */
export function castToBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (value === null || value === undefined) return false;
  if (typeof value === "string") {
    const number = pyFloat(value);
    if (number !== null) return number !== 0;
    const word = value.trim().toLowerCase();
    if (["y", "yes", "t", "true", "on"].includes(word)) return true;
    if (["n", "no", "f", "false", "off", "~", "null", "none"].includes(word)) return false;
    return value !== "";
  }
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
}

export class CastError extends Error {}

export function castAnswer(type: QuestionType, value: unknown): unknown {
  if ((value === null || value === undefined) && type !== "json" && type !== "yaml") {
    throw new CastError(`a ${type} is required, got nothing`);
  }
  switch (type) {
    case "str":
    case "path":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return pyDisplay(value);
      throw new CastError(`expected text, got ${JSON.stringify(value)}`);
    case "int": {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "number") return Math.trunc(value);
      if (typeof value === "string" && /^\s*[+-]?\d(_?\d)*\s*$/.test(value))
        return Number(value.trim().replace(/_/g, ""));
      throw new CastError(`${JSON.stringify(value)} is not an integer`);
    }
    case "float": {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "number") return value;
      const number = typeof value === "string" ? pyFloat(value) : null;
      if (number === null) throw new CastError(`${JSON.stringify(value)} is not a number`);
      return number;
    }
    case "bool":
      return castToBool(value);
    case "json":
      if (typeof value !== "string") return value;
      try {
        return JSON.parse(value);
      } catch (error) {
        throw new CastError(`invalid JSON: ${(error as Error).message}`);
      }
    case "yaml":
      if (typeof value !== "string") return value;
      try {
        return parsePyYaml(value);
      } catch (error) {
        throw new CastError(`invalid YAML: ${(error as Error).message.split("\n")[0]}`);
      }
  }
}

/** The type of a question without `type`: from its raw default, as Copier infers it. */
export function inferType(rawDefault: unknown): QuestionType {
  if (typeof rawDefault === "boolean") return "bool";
  if (typeof rawDefault === "number") return Number.isInteger(rawDefault) ? "int" : "float";
  if (typeof rawDefault === "string") return "str";
  return "yaml";
}
