/**
 * `GET /api/v1/docs`: the API reference as one server-rendered HTML page, made from the same
 * OpenAPI document `/api/v1/openapi.json` serves (no second description of the API). It works
 * offline: no script, no CDN, no web font; the stylesheet is inline and the policy header allows
 * nothing else to load.
 */
import type { Context } from "hono";
import { html } from "hono/html";
import {
  type ApiReference,
  type Content,
  type JsonSchema,
  type OpenAPIDocument,
  type Operation,
  type Parameter,
  type RequestBody,
  type Response,
  readApiReference,
  type TagGroup,
} from "./api-docs-model.ts";
import { SchemaView, typeSummary } from "./api-docs-schema.tsx";
import { API_DOCS_STYLESHEET } from "./api-docs-style.ts";
import { InlineText } from "./api-docs-text.tsx";

/** Nothing loads but the page itself and its inline stylesheet; no scripts run at all. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where the raw document is, relative to this page (both live under the API prefix). */
const RAW_DOCUMENT_HREF = "openapi.json";

/** Looks a named schema up, so request bodies can show their fields in place. */
type Expand = (name: string) => JsonSchema | undefined;

function PageHeader({ reference }: { reference: ApiReference }) {
  return (
    <header class="page-header">
      <h1>{reference.title}</h1>
      <p class="meta">
        Version {reference.version} · OpenAPI 3.1 · base URL <code>{reference.baseUrl || "/"}</code> ·{" "}
        <a href={RAW_DOCUMENT_HREF}>openapi.json</a> (the raw document)
      </p>
      {reference.description ? (
        <p>
          <InlineText text={reference.description} />
        </p>
      ) : null}
      {reference.securitySchemes.map((scheme) => (
        <p>
          Authentication (<code>{scheme.name}</code>): <InlineText text={scheme.description ?? ""} />
        </p>
      ))}
    </header>
  );
}

function Contents({ reference }: { reference: ApiReference }) {
  return (
    <nav class="contents" aria-labelledby="contents-heading">
      <h2 id="contents-heading">Contents</h2>
      <ul>
        {reference.groups.map((group) => (
          <li>
            <a href={`#${group.anchor}`}>{group.tag}</a>{" "}
            <span class="count">({group.operations.length})</span>
          </li>
        ))}
        <li>
          <a href="#schemas">Schemas</a> <span class="count">({reference.schemas.length})</span>
        </li>
      </ul>
    </nav>
  );
}

function ParametersTable({ parameters }: { parameters: Parameter[] }) {
  return (
    <table class="parameters">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {parameters.map((parameter) => (
          <tr>
            {/* Where it goes sits under the name: a fourth column is too narrow on a phone. */}
            <td>
              <code>{parameter.name}</code>
              {parameter.required ? <span class="required">required</span> : null}
              <span class="location">in {parameter.location}</span>
            </td>
            <td class="type">{typeSummary(parameter.schema)}</td>
            <td>{parameter.description ? <InlineText text={parameter.description} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ContentView({ content, expand }: { content: Content; expand?: Expand }) {
  return (
    <div>
      <span class="media">{content.mediaType}</span>
      {content.schema === undefined ? null : <SchemaView schema={content.schema} expand={expand} />}
    </div>
  );
}

function RequestBodyView({ body, expand }: { body: RequestBody; expand: Expand }) {
  return (
    <>
      <h4>Request body{body.required ? null : " (optional)"}</h4>
      {body.description ? (
        <p>
          <InlineText text={body.description} />
        </p>
      ) : null}
      {body.contents.map((content) => (
        <ContentView content={content} expand={expand} />
      ))}
    </>
  );
}

function ResponsesTable({ responses }: { responses: Response[] }) {
  return (
    <table class="responses">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {responses.map((response) => (
          <tr>
            <td>
              <code>{response.status}</code>
            </td>
            {/* The body goes under the description: a third column is too narrow on a phone. */}
            <td>
              <p>
                <InlineText text={response.description} />
              </p>
              {response.contents.map((content) => (
                <ContentView content={content} />
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OperationView({ operation, expand }: { operation: Operation; expand: Expand }) {
  const headingId = `${operation.anchor}-heading`;
  return (
    <article class="operation" id={operation.anchor} aria-labelledby={headingId}>
      <h3 id={headingId}>
        <span class={`method method-${operation.method}`}>{operation.method.toUpperCase()}</span>
        <code>{operation.path}</code>
        <span class="badge">
          {operation.security.length > 0 ? `${operation.security.join(", ")} key` : "public"}
        </span>
      </h3>
      {operation.summary ? (
        <p>
          <InlineText text={operation.summary} />
        </p>
      ) : null}
      {operation.description ? (
        <p>
          <InlineText text={operation.description} />
        </p>
      ) : null}
      {operation.parameters.length > 0 ? (
        <>
          <h4>Parameters</h4>
          <ParametersTable parameters={operation.parameters} />
        </>
      ) : null}
      {operation.requestBody ? <RequestBodyView body={operation.requestBody} expand={expand} /> : null}
      <h4>Responses</h4>
      <ResponsesTable responses={operation.responses} />
    </article>
  );
}

function TagSection({ group, expand }: { group: TagGroup; expand: Expand }) {
  const headingId = `${group.anchor}-heading`;
  return (
    <section class="tag-group" id={group.anchor} aria-labelledby={headingId}>
      <h2 id={headingId}>{group.tag}</h2>
      {group.description ? (
        <p>
          <InlineText text={group.description} />
        </p>
      ) : null}
      {group.operations.map((operation) => (
        <OperationView operation={operation} expand={expand} />
      ))}
    </section>
  );
}

function SchemasSection({ reference }: { reference: ApiReference }) {
  return (
    <section class="schemas" id="schemas" aria-labelledby="schemas-heading">
      <h2 id="schemas-heading">Schemas</h2>
      {reference.schemas.map((entry) => (
        <section id={entry.anchor} aria-labelledby={`${entry.anchor}-heading`}>
          <h3 id={`${entry.anchor}-heading`}>{entry.name}</h3>
          <SchemaView schema={entry.schema} />
        </section>
      ))}
    </section>
  );
}

export function ApiDocsPage({ reference }: { reference: ApiReference }) {
  const schemas = new Map(reference.schemas.map((entry) => [entry.name, entry.schema]));
  const expand: Expand = (name) => schemas.get(name);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`API reference · ${reference.title}`}</title>
        <style>{API_DOCS_STYLESHEET}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to the reference
        </a>
        <PageHeader reference={reference} />
        <div class="layout">
          <Contents reference={reference} />
          <main id="main">
            {reference.groups.map((group) => (
              <TagSection group={group} expand={expand} />
            ))}
            <SchemasSection reference={reference} />
          </main>
        </div>
      </body>
    </html>
  );
}

/** The reference page for `document`, as the response to `c`'s request. */
export function apiDocsResponse(c: Context, document: OpenAPIDocument) {
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  return c.html(html`<!doctype html>${<ApiDocsPage reference={readApiReference(document)} />}`);
}
