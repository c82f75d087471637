/** The web console: where it is, and how long its sign-in links and sessions last. */
import { defineSettings, httpOrigin, positiveInt, setting } from "./define.ts";

export const consoleSettings = defineSettings("Web console", {
  CONSOLE_URL: setting(httpOrigin, {
    doc: "The console's public origin (`https://orchestrator.example.com`), for the sign-in links the bot's `/login` sends. Unset: `/login` says to set it; links made through the API use the request's own origin.",
  }),
  SIGN_IN_LINK_MINUTES: setting(positiveInt, {
    default: 10,
    doc: "How long a one-time sign-in link is valid, in minutes.",
  }),
  WEB_SESSION_DAYS: setting(positiveInt, {
    default: 14,
    doc: "How long a console session lasts without being signed out, in days.",
  }),
});
