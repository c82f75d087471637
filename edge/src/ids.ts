import { monotonicFactory } from "ulidx";

/** ULIDs that sort by creation, also within one millisecond. */
export const newId: () => string = monotonicFactory();

export const iso = (date: Date) => date.toISOString();
export const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);
