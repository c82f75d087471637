/** The template catalog: how often git templates are checked for a newer release, and what a newer one does. */
import { z } from "zod";
import { defineSettings, nonNegativeNumber, setting } from "./define.ts";

export const templateSettings = defineSettings("Templates", {
  TEMPLATE_RECHECK_HOURS: setting(nonNegativeNumber, {
    default: 24,
    doc: "How often the cron checks each ready git template of the catalog for a newer release, in hours (0: never; admins can still `POST /templates/{id}/check`).",
  }),
  TEMPLATE_UPGRADES: setting(z.enum(["offer", "off"]), {
    default: "offer",
    doc: "`offer` (default): when a check finds a newer release of a template, each project built from it gets an upgrade run (the update on a branch, tested, offered to its owner with buttons); `off`: upgrades start only by hand (`POST /projects/{id}/runs` with `upgrade`).",
  }),
});
