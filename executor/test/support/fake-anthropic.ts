/**
 * A loopback server speaking the Anthropic Messages API (streaming SSE and plain JSON), scripted
 * per test: each request with tools gets the next step (a tool call or a final text); requests
 * without tools (Claude Code's side requests, e.g. titles) get a short text. Records every request.
 * A test may instead answer every request itself (`respond`), e.g. from the conversation so far.
 */

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { bundledClaudeBinary } from "../../src/kinds/agent/claude-code.ts";

type Block = { tool: { name: string; input: Record<string, unknown> } } | { text: string };

export type Step =
  | Block
  /** Several blocks in one answer (plain JSON answers only). */
  | { blocks: Block[] }
  /** An API error answer (a 4xx is not retried by clients; headers such as `retry-after-ms`). */
  | { error: { status: number; type: string; message: string; headers?: Record<string, string> } };

/** The parsed request body, for tests that answer from it. */
export type MessagesRequest = {
  model?: string;
  stream?: boolean;
  system?: unknown;
  tools?: unknown[];
  messages: { role: string; content: string | { type: string; [key: string]: any }[] }[];
};
export type Responder = (request: MessagesRequest) => Step | Promise<Step>;

/** The tool results these messages hold (a request's, or a part of them), as text, oldest first. */
export function toolResults(messages: MessagesRequest["messages"]): string[] {
  return messages.flatMap((message) =>
    typeof message.content === "string"
      ? []
      : message.content
          .filter((block) => block.type === "tool_result")
          .map((block) =>
            typeof block.content === "string"
              ? block.content
              : (block.content as { text?: string }[]).map((part) => part.text ?? "").join(""),
          ),
  );
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAnthropic {
  baseUrl: string;
  requests: RecordedRequest[];
  /** The steps still to be served. */
  script: Step[];
  /** When set, answers every request (the script is not used). */
  respond: Responder | null;
  close(): Promise<void>;
}

const USAGE = { input_tokens: 100, output_tokens: 20 };

function events(step: Block, model: string, id: string, toolId: string): [string, unknown][] {
  const block =
    "tool" in step
      ? { type: "tool_use", id: toolId, name: step.tool.name, input: {} }
      : { type: "text", text: "" };
  const delta =
    "tool" in step
      ? { type: "input_json_delta", partial_json: JSON.stringify(step.tool.input) }
      : { type: "text_delta", text: step.text };
  return [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...USAGE, output_tokens: 1 },
        },
      },
    ],
    ["content_block_start", { type: "content_block_start", index: 0, content_block: block }],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "tool" in step ? "tool_use" : "end_turn", stop_sequence: null },
        usage: { output_tokens: USAGE.output_tokens },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
}

export async function startFakeAnthropic(script: Step[] | Responder): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const fake: FakeAnthropic = {
    baseUrl: "",
    requests,
    script: typeof script === "function" ? [] : [...script],
    respond: typeof script === "function" ? script : null,
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const url = req.url ?? "";
    if (!url.startsWith("/v1/messages") || url.startsWith("/v1/messages/count_tokens")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    const request = JSON.parse(body || "{}") as MessagesRequest;
    const step: Step = fake.respond
      ? await fake.respond(request)
      : (request.tools ?? []).length === 0
        ? { text: "Scaffolded work" }
        : (fake.script.shift() ?? { text: "(no more scripted steps)" });
    const id = `msg_${++counter}`;
    const model = request.model ?? "claude-test";
    if ("error" in step) {
      res.writeHead(step.error.status, { "content-type": "application/json", ...step.error.headers });
      res.end(
        JSON.stringify({ type: "error", error: { type: step.error.type, message: step.error.message } }),
      );
      return;
    }
    if (request.stream && !("blocks" in step)) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const [event, data] of events(step, model, id, `toolu_${counter}`))
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
      return;
    }
    const blocks = "blocks" in step ? step.blocks : [step];
    const content = blocks.map((block, index) =>
      "tool" in block
        ? {
            type: "tool_use",
            id: `toolu_${counter}_${index}`,
            name: block.tool.name,
            input: block.tool.input,
          }
        : { type: "text", text: block.text },
    );
    const usesTool = blocks.some((block) => "tool" in block);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model,
        content,
        stop_reason: usesTool ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: USAGE,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

/** This platform's Claude Code binary from node_modules (its package's postinstall is not run). */
export const claudeBinary = bundledClaudeBinary;
