/** The model API and the Product-Owner's model (the agent that talks in the chat). */
import { defineSettings, httpOrigin, positiveInt, positiveNumber, setting, text } from "./define.ts";

export const modelSettings = defineSettings("Models", {
  ANTHROPIC_API_KEY: setting(text, {
    secret: true,
    doc: "The model API key of the Product-Owner, the Architect, the EnvAnalyzer and the Developer's coding agent (executors get it per job, by reference).",
  }),
  ANTHROPIC_BASE_URL: setting(httpOrigin, {
    doc: "The model API's base URL, e.g. a proxy; default Anthropic's.",
  }),
  PO_MODEL: setting(text, { default: "claude-sonnet-5-5", doc: "The Product-Owner agent's model." }),
  PO_MAX_TOKENS: setting(positiveInt, {
    default: 2048,
    doc: "Tokens one Product-Owner model call may write.",
  }),
  PO_MAX_RETRIES: setting(positiveInt, {
    default: 4,
    doc: "Retries of one model call on 429, 529, 5xx and network errors (the SDK's backoff honours retry-after).",
  }),
  PO_PRICE_INPUT_PER_MTOK: setting(positiveNumber, {
    doc: "USD per million input tokens, when the model is not in the built-in price list.",
  }),
  PO_PRICE_OUTPUT_PER_MTOK: setting(positiveNumber, {
    doc: "USD per million output tokens, when the model is not in the built-in price list.",
  }),
});
