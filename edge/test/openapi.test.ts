import { jobKinds } from "@codegen-orchestrator/shared";
import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { call } from "./helpers.ts";

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1 according to a real validator", async () => {
    const response = await call("/openapi.json", { key: null });
    expect(response.status).toBe(200);
    const document = await response.json<any>();
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document));
    expect(result.valid, JSON.stringify(result)).toBe(true);
    // The validator is not a no-op: the same document with a broken path item fails.
    const broken = structuredClone(document);
    broken.paths["/projects"].get.responses = "none";
    expect((await validate(broken)).valid).toBe(false);
  });

  it("lists every route the API serves, with bearer security on all but the public ones", async () => {
    const document = await (await call("/openapi.json", { key: null })).json<any>();
    const documented = new Set<string>();
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        documented.add(`${method.toUpperCase()} /api/v1${path}`);
        // Clients (the MCP tools, the CLI) name operations by these: present, unique, snake_case.
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(operationIds.has(operation.operationId), operation.operationId).toBe(false);
        operationIds.add(operation.operationId);
        const isPublic = path === "/health" || path === "/executors/connect";
        expect(operation.security ?? [], `${method} ${path}`).toEqual(isPublic ? [] : [{ bearer: [] }]);
        expect(operation.responses, `${method} ${path}`).toBeTypeOf("object");
      }
    }
    const served = new Set(
      createApp()
        .routes.filter((route) => route.method !== "ALL" && route.path.startsWith("/api/v1/"))
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
        // The document itself and its HTML rendering are not operations of the API.
        .filter((route) => route !== "GET /api/v1/openapi.json" && route !== "GET /api/v1/docs"),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served.size).toBeGreaterThanOrEqual(20);
  });

  it("documents job secrets as references by environment name, never values", async () => {
    const { components } = await (await call("/openapi.json", { key: null })).json<any>();
    const refs = {
      type: "object",
      additionalProperties: { $ref: "#/components/schemas/SecretRef" },
      propertyNames: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    };
    expect(components.schemas.SubmitJobExec.properties.secrets).toMatchObject({
      ...refs,
      default: {},
      maxProperties: 32,
    });
    expect(components.schemas.SubmitJobExec.required).not.toContain("secrets");
    // A job shows its references; pipelines' jobs may also name one of the system's own
    // credentials, or a GitHub App token for one repository.
    expect(components.schemas.JobAgent.properties.secrets).toMatchObject({
      ...refs,
      additionalProperties: {
        anyOf: [
          { $ref: "#/components/schemas/SecretRef" },
          { $ref: "#/components/schemas/SystemSecretRef" },
          { $ref: "#/components/schemas/GitHubTokenRef" },
        ],
      },
    });
    expect(components.schemas.GitHubTokenRef).toMatchObject({
      required: ["github"],
      additionalProperties: false,
    });
    expect(components.schemas.SystemSecretRef).toMatchObject({
      required: ["system"],
      properties: { system: { enum: ["ANTHROPIC_API_KEY", "DEPLOY_SSH_KEY"] } },
    });
    expect(components.schemas.SecretRef).toMatchObject({
      required: ["projectId", "name"],
      additionalProperties: false,
    });
    expect(Object.keys(components.schemas.SecretRef.properties)).toEqual(["projectId", "name"]);
  });

  it("describes every job kind's spec and result: submit and read are unions on `kind`", async () => {
    const { components } = await (await call("/openapi.json", { key: null })).json<any>();
    const schemas = components.schemas;
    const kinds = Object.keys(jobKinds);
    for (const [union, prefix] of [
      ["SubmitJob", "SubmitJob"],
      ["Job", "Job"],
    ] as const) {
      const members = kinds.map((kind) => `#/components/schemas/${prefix}${pascal(kind)}`);
      expect(schemas[union].oneOf.map((member: any) => member.$ref)).toEqual(members);
      expect(schemas[union].discriminator).toMatchObject({ propertyName: "kind" });
      for (const kind of kinds) {
        const member = schemas[`${prefix}${pascal(kind)}`];
        expect(member.properties.kind, `${prefix} ${kind}`).toMatchObject({ type: "string", enum: [kind] });
        // A schema of its own, not the `unknown` ({}) a spec used to be.
        const spec = member.properties.spec;
        expect(
          spec.type ?? spec.$ref ?? spec.anyOf ?? spec.oneOf ?? spec.allOf,
          `${prefix} ${kind}`,
        ).toBeTruthy();
      }
    }
    // What a client needs to call a coding agent is in the document, not only in the source.
    const agentSpec = schemas.SubmitJobAgent.properties.spec;
    const agentFields = agentSpec.$ref ? schemas[agentSpec.$ref.split("/").pop()] : agentSpec;
    expect(Object.keys(agentFields.properties)).toEqual(
      expect.arrayContaining(["adapter", "baseUrl", "apiKeySecret", "prompt"]),
    );
    expect(JSON.stringify(schemas.JobAgent.properties.output)).toContain("sessionId");
    expect(JSON.stringify(schemas.JobTest.properties.output)).toContain("passed");
    // A recursive value (template data, ansible vars) is named once and referenced.
    expect(JSON.stringify(schemas.SubmitJobAnsible)).toContain("#/components/schemas/JsonValue");
  });
});

const pascal = (kind: string) =>
  kind.replace(/(^|_)([a-z])/g, (_m, _s, letter: string) => letter.toUpperCase());
