/** The one error type scaffolding raises: a code for machines, a message for people, and where. */

import type { ScaffoldFailure } from "@codegen-orchestrator/shared";

export type ScaffoldErrorCode = ScaffoldFailure["error"]["code"];

export type QuestionProblem = NonNullable<ScaffoldFailure["error"]["questions"]>[number];

export interface ScaffoldErrorDetails {
  /** The template file (relative to the template root) the problem is in. */
  file?: string;
  line?: number;
  /** For `invalid_answers`: every question that failed, not just the first. */
  questions?: QuestionProblem[];
}

export class ScaffoldError extends Error {
  code: ScaffoldErrorCode;
  details: ScaffoldErrorDetails;
  constructor(code: ScaffoldErrorCode, message: string, details: ScaffoldErrorDetails = {}) {
    super(message);
    this.name = "ScaffoldError";
    this.code = code;
    this.details = details;
  }

  toJSON(): ScaffoldFailure["error"] {
    return { code: this.code, message: this.message.slice(0, 4000), ...this.details };
  }
}

/** Copier's refusal of a template whose `features` (tasks, migrations, …) need trust. */
export function unsafeFeatures(features: string[]): ScaffoldError {
  return new ScaffoldError(
    "unsafe_template",
    `Template uses potentially unsafe feature${features.length > 1 ? "s" : ""}: ${features.join(", ")}. If you trust this template, run it with trust (--trust).`,
  );
}

/** "file:line: message", the form editors and terminals link. */
export function describeLocation(details: ScaffoldErrorDetails): string {
  if (!details.file) return "";
  return details.line ? `${details.file}:${details.line}: ` : `${details.file}: `;
}
