/**
 * Where the engine's time goes: the same renders it makes (file contents and templated path
 * segments), outside the file system, timed per part.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { JinjaEnvironment } from "../../executor/src/scaffold/jinja/environment.ts";
import { rewriteTemplate } from "../../executor/src/scaffold/jinja/syntax.ts";
import { timeMedian } from "./stats.ts";

export interface Breakdown {
  /** File templates rendered, with their tags (`{{` and `{%`) and outputs (`{{`). */
  files: number;
  tags: number;
  outputs: number;
  /** Templated path segments rendered. */
  segments: number;
  /** Median ms of each part, over all the files (or segments). */
  rewrite: number;
  renderFiles: number;
  renderPaths: number;
  emptyRenders: number;
  emptyNoContext: number;
  newEnvironment: number;
}

/** The context the scaffold renders with: the defaults' answers and Copier's variables. */
function renderContext(templateRoot: string) {
  const answers = {
    project_name: "acme-widgets",
    package_name: "acme_widgets",
    description: "Acme Widgets, an HTTP service",
    author: "Codegen Orchestrator",
    port: 8080,
    workers: 4,
    use_docker: true,
    features: ["http", "metrics", "auth"],
  };
  const conf = { src_path: templateRoot, dst_path: "acme-widgets", answers_file: ".copier-answers.yml" };
  return {
    _src_path: templateRoot,
    _copier_conf: conf,
    _folder_name: "acme-widgets",
    _copier_python: "python3",
    _copier_operation: "copy",
    ...answers,
    _copier_answers: { _src_path: templateRoot, ...answers },
  };
}

/** The `.jinja` files' text and the templated path segments of the template. */
async function readTemplates(templateRoot: string) {
  const sources: string[] = [];
  const segments: string[] = [];
  for (const entry of await readdir(path.join(templateRoot, "template"), {
    withFileTypes: true,
    recursive: true,
  })) {
    const relative = path.relative(
      path.join(templateRoot, "template"),
      path.join(entry.parentPath, entry.name),
    );
    for (const segment of relative.split(path.sep)) if (segment.includes("{")) segments.push(segment);
    if (entry.isFile() && entry.name.endsWith(".jinja"))
      sources.push(await readFile(path.join(entry.parentPath, entry.name), "utf8"));
  }
  return { sources, segments };
}

export async function renderBreakdown(templateRoot: string): Promise<Breakdown> {
  const env = new JinjaEnvironment({}, templateRoot);
  const context = renderContext(templateRoot);
  const { sources, segments } = await readTemplates(templateRoot);
  const tags = sources.reduce((sum, text) => sum + (text.match(/\{\{|\{%/g)?.length ?? 0), 0);
  const outputs = sources.reduce((sum, text) => sum + (text.match(/\{\{/g)?.length ?? 0), 0);
  const rewrite = timeMedian(() => {
    for (const text of sources) rewriteTemplate(text);
  });
  const renderFiles = timeMedian(() => {
    for (const text of sources) env.renderNow(text, context, "bench");
  });
  const renderPaths = timeMedian(() => {
    for (const segment of segments) env.renderNow(segment, context, "bench");
  });
  const emptyRenders = timeMedian(() => {
    for (let i = 0; i < sources.length; i++) env.renderNow("x", context, "bench");
  });
  const emptyNoContext = timeMedian(() => {
    for (let i = 0; i < sources.length; i++) env.renderNow("x", {}, "bench");
  });
  const newEnvironment = timeMedian(() => {
    new JinjaEnvironment();
  });
  const counts = { files: sources.length, tags, outputs, segments: segments.length };
  return { ...counts, rewrite, renderFiles, renderPaths, emptyRenders, emptyNoContext, newEnvironment };
}
