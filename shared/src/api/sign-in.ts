/** The web console's one-time sign-in links, as the API makes them. */
import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";

export const CreateSignInLink = z
  .strictObject({
    userId: Ulid.optional().describe("admins: the user the link signs in; default the caller"),
  })
  .meta({ id: "CreateSignInLink" });

export const SignInLink = z
  .object({
    url: z.string().describe("open it in a browser, once, before it expires: it signs in to the console"),
    expiresAt: Timestamp,
  })
  .meta({ id: "SignInLink" });
export type SignInLink = z.infer<typeof SignInLink>;
