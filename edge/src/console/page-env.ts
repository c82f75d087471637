/** What a console page's handler has: the API's context, and the signed-in person as the header shows them. */
import type { AppEnv } from "../http/context.ts";
import type { SignedIn } from "./layout.tsx";

export type PageEnv = AppEnv & { Variables: { user: SignedIn } };
