/**
 * The template catalog's test support: an executor (a real WebSocket through the Worker, protocol
 * v1) that answers the check workflow's inspect jobs as the real one would, and registration
 * helpers.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { newId } from "../src/ids.ts";
import { connect, createExecutor, hello, type ScriptedExecutor } from "./executor-socket.ts";
import { expectStatus, unique } from "./helpers.ts";

export const COMMIT = "0123456789abcdef0123456789abcdef01234567";

const inspection = (questions: unknown[], templateRef: string | null = null) => ({
  file: "copier.yml",
  questions,
  subdirectory: "template",
  messages: { beforeCopy: "", afterCopy: "{{ name }} is ready", beforeUpdate: "", afterUpdate: "" },
  templateCommit: templateRef ? COMMIT : null,
  templateRef,
});

export const nameQuestion = { name: "project_name", type: "str", multiselect: false, secret: false };
export const modulesQuestion = {
  name: "modules",
  type: "str",
  multiselect: true,
  secret: false,
  default: [],
  choices: [
    { label: "Postgres", value: "postgres" },
    { label: "Redis", value: "redis" },
  ],
};

/**
 * An executor answering every inspect job it is given, as the real one would, by the template the
 * job names, until `stop`: its socket is then closed. `checked` lists the templates it was given.
 */
export async function inspector(): Promise<{ checked: unknown[]; stop: () => void }> {
  const executor = await createExecutor();
  const socket = await connect(executor.token);
  await hello(socket, { capabilities: ["copier"] });
  const checked: unknown[] = [];
  let stopped = false;
  const answerNext = async (): Promise<void> => {
    const assign = await socket.next("assign", 60_000).catch(() => null);
    if (stopped || !assign) return;
    answer(socket, assign);
    checked.push(assign.spec.template);
    return answerNext();
  };
  void answerNext();
  return {
    checked,
    stop: () => {
      stopped = true;
      socket.ws.close();
    },
  };
}

function answer(socket: ScriptedExecutor, assign: any): void {
  expect(assign).toMatchObject({ kind: "copier", spec: { inspect: true } });
  const { template } = assign.spec;
  socket.send({ type: "accepted", jobId: assign.jobId, attempt: assign.attempt });
  const frame = { type: "result", jobId: assign.jobId, attempt: assign.attempt };
  if (template.url?.includes("broken")) {
    const error = {
      code: "invalid_template",
      message: "invalid YAML: unexpected end",
      file: "copier.yml",
      line: 3,
    };
    socket.send({
      ...frame,
      status: "failed",
      output: { error },
      error: `invalid_template: ${error.message}`,
    });
  } else if (template.url) {
    socket.send({
      ...frame,
      status: "succeeded",
      output: inspection([nameQuestion, modulesQuestion], "v1.2.0"),
    });
  } else {
    socket.send({ ...frame, status: "succeeded", output: inspection([nameQuestion]) });
  }
}

export const register = (body: Record<string, unknown>, key?: string) =>
  expectStatus(202, "/templates", {
    key,
    body: { name: unique("tpl"), title: "A template", description: "Builds a service.", ...body },
  });

export const statusOf = async (id: string) => (await expectStatus(200, `/templates/${id}`)).status;

/** A template row still `checking`, written as a registration whose check never started leaves it. */
export async function checkingRow(): Promise<string> {
  const id = newId();
  const now = Date.now();
  await env.DB.prepare(
    "insert into templates (id, name, title, description, tags, source_kind, source, status, created_at, updated_at) values (?, ?, 'T', 'D', '[]', 'builtin', 'node-service', 'checking', ?, ?)",
  )
    .bind(id, unique("tpl"), now, now)
    .run();
  return id;
}
