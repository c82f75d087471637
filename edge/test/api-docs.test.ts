import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { apiDocsResponse } from "../src/console/api-docs.tsx";
import type { OpenAPIDocument } from "../src/console/api-docs-model.ts";
import { API_DOCS_STYLESHEET } from "../src/console/api-docs-style.ts";
import { call } from "./helpers.ts";

const METHODS = ["get", "put", "post", "delete", "patch"];

async function docsPage(): Promise<{ response: Response; html: string }> {
  const response = await call("/docs", { key: null });
  return { response, html: await response.text() };
}

/** Every `href`/`src` attribute value in the page. */
const linkTargets = (html: string) =>
  [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((match) => match[1]);

/** An element's markup, from its opening tag (found by id) to its closing tag (no nesting of the same tag). */
function elementById(html: string, tag: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `no element #${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf(`</${tag}>`, start));
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

/** What the markup reads as: tags become spaces, entities their characters. */
const textOf = (markup: string) =>
  markup
    .replace(/<[^>]*>/g, " ")
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\s+/g, " ");

/** The page for a made-up document, rendered outside the API (same code path as the route). */
async function renderDocument(document: OpenAPIDocument): Promise<string> {
  const app = new Hono().get("/", (c) => apiDocsResponse(c, document));
  return (await app.request("/")).text();
}

describe("GET /api/v1/docs", () => {
  it("is a public HTML page, like the document it is made from", async () => {
    const { response, html } = await docsPage();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html; ?charset=utf-8$/i);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain("<title>API reference · Codegen Orchestrator API</title>");
    expect(html).toContain('href="openapi.json"');
  });

  it("shows every operation of the OpenAPI document, grouped by tag in an index", async () => {
    const document = await (await call("/openapi.json", { key: null })).json<any>();
    const { html } = await docsPage();
    const tags = new Set<string>();
    let operations = 0;
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const method of METHODS.filter((name) => item[name])) {
        operations++;
        tags.add(item[method].tags[0]);
        const anchor = `op-${method}-${path
          .replace(/[^a-z0-9]+/gi, "-")
          .replace(/^-|-$/g, "")
          .toLowerCase()}`;
        const article = textOf(elementById(html, "article", anchor));
        expect(article).toContain(`${method.toUpperCase()} /api/v1${path}`);
        // `code` spans become <code>: compare the words, without backticks and spacing.
        const squash = (text: string) => text.replace(/[`\s]/g, "");
        expect(squash(article)).toContain(squash(item[method].summary));
      }
    }
    expect(operations).toBeGreaterThanOrEqual(40);
    const index = elementById(html, "nav", "contents-heading");
    for (const tag of tags) expect(index).toContain(`href="#tag-${tag}">${tag}</a>`);
  });

  it("shows a request body's fields in place, and links each $ref to its schema", async () => {
    const { html } = await docsPage();
    const create = textOf(elementById(html, "article", "op-post-projects"));
    expect(create).toContain("Request body");
    for (const field of ["name", "slug", "description", "templateSource", "modules", "repoUrl", "ownerId"]) {
      expect(create).toContain(` ${field} `);
    }
    expect(create).toMatch(/name string required .*max length 100/);
    // Responses name their schemas by link; every in-page link has its target.
    expect(elementById(html, "article", "op-post-projects")).toContain(
      '<a href="#schema-project">Project</a>',
    );
    const ids = new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1]));
    const anchors = linkTargets(html).filter((target) => target?.startsWith("#"));
    expect(anchors.length).toBeGreaterThan(100);
    for (const anchor of anchors) expect(ids, anchor).toContain(anchor?.slice(1));
  });

  it("loads nothing from elsewhere: relative links only, no script, the stylesheet inline and intact", async () => {
    const { html } = await docsPage();
    const external = linkTargets(html).filter((target) => /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(target ?? ""));
    expect(external).toEqual([]);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).toContain(`<style>${API_DOCS_STYLESHEET}</style>`);
    // Text in a <style> is escaped like any other: the stylesheet must not hold what would change.
    expect(API_DOCS_STYLESHEET).not.toMatch(/[<>&"']/);
  });

  it("escapes the document's text, turning only `code` spans into <code>", async () => {
    const html = await renderDocument({
      openapi: "3.1.0",
      info: { title: "<b>Title</b>", version: "1" },
      paths: {
        "/things": {
          post: {
            tags: ["<i>tag</i>"],
            summary: "<script>alert(1)</script>",
            description: "Use `a<b>` here",
            requestBody: {
              content: { "application/json": { schema: { $ref: '#/components/schemas/"><x' } } },
            },
            responses: { 200: { description: "ok" } },
          },
        },
      },
    });
    expect(html).not.toMatch(/<script|<b>|<i>|<x/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Use <code>a&lt;b&gt;</code> here");
    expect(html).toContain("<title>API reference · &lt;b&gt;Title&lt;/b&gt;</title>");
  });
});
