/**
 * The model API and each role's model: the Product-Owner (the agent that talks in the chat), the
 * Architect and the EnvAnalyzer. A role's own setting wins; unset, it takes the PO's.
 */
import { count, defineSettings, httpOrigin, positiveInt, positiveNumber, setting, text } from "./define.ts";

const roleModel = (role: string) => setting(text, { doc: `The ${role}'s model; default PO_MODEL.` });
const roleMaxTokens = (role: string) =>
  setting(positiveInt, { doc: `Tokens one ${role} model call may write; default PO_MAX_TOKENS.` });
const roleMaxRetries = (role: string) =>
  setting(count, { doc: `Retries of one ${role} model call; default PO_MAX_RETRIES.` });
const rolePrice = (role: string, tokens: "input" | "output") =>
  setting(positiveNumber, {
    doc: `USD per million ${tokens} tokens of the ${role}'s model, when it is not in the built-in price list; default the PO's when the model is the PO's.`,
  });

export const modelSettings = defineSettings("Models", {
  ANTHROPIC_API_KEY: setting(text, {
    secret: true,
    doc: "The model API key of the Product-Owner, the Architect, the EnvAnalyzer and the Developer's coding agent (executors get it per job, by reference). Unset: the chat says what to set.",
  }),
  ANTHROPIC_BASE_URL: setting(httpOrigin, {
    doc: "The model API's base URL, e.g. a proxy; default Anthropic's.",
  }),
  PO_MODEL: setting(text, { default: "claude-sonnet-5-5", doc: "The Product-Owner agent's model." }),
  PO_MAX_TOKENS: setting(positiveInt, {
    default: 2048,
    doc: "Tokens one Product-Owner model call may write.",
  }),
  PO_MAX_RETRIES: setting(count, {
    default: 4,
    doc: "Retries of one model call on 429, 529, 5xx and network errors (the SDK's backoff honours retry-after).",
  }),
  PO_PRICE_INPUT_PER_MTOK: setting(positiveNumber, {
    doc: "USD per million input tokens of PO_MODEL, when it is not in the built-in price list.",
  }),
  PO_PRICE_OUTPUT_PER_MTOK: setting(positiveNumber, {
    doc: "USD per million output tokens of PO_MODEL, when it is not in the built-in price list.",
  }),
  ARCHITECT_MODEL: roleModel("Architect"),
  ARCHITECT_MAX_TOKENS: roleMaxTokens("Architect"),
  ARCHITECT_MAX_RETRIES: roleMaxRetries("Architect"),
  ARCHITECT_PRICE_INPUT_PER_MTOK: rolePrice("Architect", "input"),
  ARCHITECT_PRICE_OUTPUT_PER_MTOK: rolePrice("Architect", "output"),
  ENV_ANALYZER_MODEL: roleModel("EnvAnalyzer"),
  ENV_ANALYZER_MAX_TOKENS: roleMaxTokens("EnvAnalyzer"),
  ENV_ANALYZER_MAX_RETRIES: roleMaxRetries("EnvAnalyzer"),
  ENV_ANALYZER_PRICE_INPUT_PER_MTOK: rolePrice("EnvAnalyzer", "input"),
  ENV_ANALYZER_PRICE_OUTPUT_PER_MTOK: rolePrice("EnvAnalyzer", "output"),
});
