/** The one error type scaffolding raises: a code for machines, a message for people, and where. */

export type ScaffoldErrorCode =
  | "invalid_answers"
  | "template_error"
  | "invalid_template"
  | "unsafe_template"
  | "task_failed"
  | "destination_error"
  | "engine_unavailable";

export interface QuestionProblem {
  question: string;
  message: string;
}

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

  toJSON() {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** "file:line: message", the form editors and terminals link. */
export function describeLocation(details: ScaffoldErrorDetails): string {
  if (!details.file) return "";
  return details.line ? `${details.file}:${details.line}: ` : `${details.file}: `;
}
