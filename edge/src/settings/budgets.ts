/**
 * Budgets (domain/budgets.ts): what a paid step is expected to cost, for the check before it, and
 * how much the chat's "raise the cap" button offers. The caps themselves are per user and project.
 */
import { defineSettings, positiveNumber, setting } from "./define.ts";

export const budgetSettings = defineSettings("Budgets", {
  BUDGET_MODEL_STEP_USD: setting(positiveNumber, {
    default: 0.1,
    doc: "What one model step of a run (the Architect, the EnvAnalyzer) is expected to cost, in USD: a run pauses before it when its spend plus this would pass a budget.",
  }),
  BUDGET_AGENT_STEP_USD: setting(positiveNumber, {
    default: 2,
    doc: "What one coding-agent job of a run (a Developer iteration) is expected to cost, in USD: a run pauses before it when its spend plus this would pass a budget.",
  }),
  BUDGET_RAISE_USD: setting(positiveNumber, {
    default: 5,
    doc: "The least a run's cap is raised by when its user presses “raise the cap” in the chat, in USD (more when the next step needs more).",
  }),
});
