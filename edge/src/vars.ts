/** Reading numeric Worker vars: a missing, malformed or non-positive value falls back to the default. */
export const positiveNumber = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
};
