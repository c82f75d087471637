/** What the scaffold engine asks of a Jinja renderer (renderer.ts chooses one). */
import type { Delimiters } from "./syntax.ts";

export interface TemplateRenderer {
  /** Which engine renders ("jinja2 3.1.2", "minijinja"). */
  readonly name: string;
  readonly delimiters: Delimiters;
  /**
   * Answers Copier holds as Python floats (`type: float`): JSON cannot tell `16.0` from `16`, so
   * the questions name them as they are answered.
   */
  readonly floats: Set<string>;
  /** Renders `source` with `context`; `origin` names the file (relative to the template root) in errors. */
  render(source: string, context: Record<string, unknown>, origin: string): Promise<string>;
  close(): void;
}
