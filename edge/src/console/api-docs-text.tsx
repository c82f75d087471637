/**
 * The OpenAPI document's descriptions are Markdown-ish: the only markup they use is `code` spans.
 * Those become `<code>`; everything stays text that JSX escapes (no HTML from the document).
 */
export function InlineText({ text }: { text: string }) {
  // Splitting on backticks puts the code spans at odd indices; an unpaired one stays literal.
  const parts = text.split("`");
  if (parts.length % 2 === 0) return <>{text}</>;
  return <>{parts.map((part, index) => (index % 2 === 1 ? <code>{part}</code> : part))}</>;
}
