/**
 * The API reference's whole stylesheet, inlined in the page (no external files, fonts or scripts):
 * system fonts, light and dark colours from `prefers-color-scheme`, one column on phones and a
 * sticky contents column from 900 px. It goes through JSX as text, so it avoids the characters
 * escaping would change (`<`, `>`, `&`, quotes); a test holds it to that.
 */
export const API_DOCS_STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --link: #0550ae; --code-bg: #eef1f4; --focus: #0969da;
  --get: #116329; --get-bg: #dafbe1; --post: #0550ae; --post-bg: #ddf4ff;
  --put: #7d4e00; --put-bg: #fff8c5; --delete: #a40e26; --delete-bg: #ffebe9;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --link: #58a6ff; --code-bg: #262c36; --focus: #58a6ff;
    --get: #7ee787; --get-bg: #10301c; --post: #79c0ff; --post-bg: #0c2d5b;
    --put: #e3b341; --put-bg: #2e2410; --delete: #ffa198; --delete-bg: #3d1418;
  }
}
* { box-sizing: border-box; }
html { scroll-padding-top: 1rem; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, sans-serif; }
a { color: var(--link); }
a:focus-visible, :target:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { margin-top: 0; }
code {
  font-family: ui-monospace, monospace; font-size: 0.875em; background: var(--code-bg);
  padding: 0.05em 0.3em; border-radius: 4px; overflow-wrap: anywhere;
}
.skip { position: absolute; left: -10000px; top: 0; }
.skip:focus { left: 1rem; top: 1rem; z-index: 1; padding: 0.5rem 1rem; background: var(--bg); }
.page-header { padding: 1.25rem 1rem; border-bottom: 1px solid var(--border); }
.page-header h1 { margin: 0 0 0.25rem; }
.page-header p { margin: 0.25rem 0; max-width: 70ch; }
.meta { color: var(--muted); }
.layout { display: grid; grid-template-columns: minmax(0, 1fr); }
.contents { padding: 1rem; border-bottom: 1px solid var(--border); }
.contents h2 { font-size: 1rem; margin-bottom: 0.5rem; }
.contents ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.contents li { white-space: nowrap; }
.count { color: var(--muted); font-size: 0.875em; }
main { padding: 1rem 0.75rem; min-width: 0; }
.tag-group { margin-bottom: 2.5rem; }
.tag-group h2 { padding-bottom: 0.25rem; border-bottom: 1px solid var(--border); }
.operation {
  margin: 1rem 0; padding: 0.75rem; border: 1px solid var(--border); border-radius: 8px;
  background: var(--panel);
}
.operation h3 { margin: 0 0 0.5rem; font-size: 1.05rem; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.operation h3 code { background: none; padding: 0; font-size: 1rem; }
.operation h4 { margin: 1rem 0 0.25rem; font-size: 0.95rem; }
.operation p { margin: 0.25rem 0; }
.method {
  display: inline-block; min-width: 4.5rem; text-align: center; padding: 0.15rem 0.5rem;
  border-radius: 4px; font: 700 0.8rem/1.4 ui-monospace, monospace; letter-spacing: 0.03em;
}
.method-get { color: var(--get); background: var(--get-bg); }
.method-post { color: var(--post); background: var(--post-bg); }
.method-put, .method-patch { color: var(--put); background: var(--put-bg); }
.method-delete { color: var(--delete); background: var(--delete-bg); }
.badge { font-size: 0.8rem; color: var(--muted); border: 1px solid var(--border); border-radius: 999px; padding: 0 0.5rem; }
table { width: 100%; border-collapse: collapse; font-size: 0.925rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.3rem; border-bottom: 1px solid var(--border); }
th { font-weight: 600; }
td { overflow-wrap: break-word; }
.location { display: block; font-size: 0.8rem; color: var(--muted); }
td .schema, td p { margin: 0; }
.responses td:first-child { width: 4.5rem; }
.required { margin-left: 0.4rem; font-size: 0.75rem; font-weight: 600; color: var(--delete); }
.type { color: var(--muted); }
.type a { font-weight: 600; }
.constraints { display: inline; }
.constraint { display: inline-block; max-width: 100%; font-size: 0.8rem; color: var(--muted); margin-right: 0.6rem; }
/* Patterns are long and have no spaces: on a phone they break anywhere rather than widen the page. */
.constraint code { overflow-wrap: anywhere; }
.schema p { margin: 0.25rem 0; }
.tree { list-style: none; margin: 0.25rem 0 0.25rem 0.35rem; padding-left: 0.9rem; border-left: 2px solid var(--border); }
.tree li { margin: 0.2rem 0; }
.property { font-weight: 600; }
.media { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
.schemas section { margin: 1rem 0; padding: 0.75rem 1rem; border: 1px solid var(--border); border-radius: 8px; }
.schemas h3 { margin: 0; font-size: 1rem; }
:target { scroll-margin-top: 1rem; }
@media (min-width: 900px) {
  .layout { grid-template-columns: 15rem minmax(0, 1fr); }
  .contents {
    position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto;
    border-bottom: 0; border-right: 1px solid var(--border);
  }
  .contents ul { display: block; }
  .contents li { margin: 0.2rem 0; }
  main { padding: 1.5rem 2rem; max-width: 75rem; }
  .operation { padding: 1rem; }
  th, td { padding: 0.35rem 0.5rem; }
  .page-header { padding: 1.5rem 2rem; }
}
`;
