/**
 * A job's log as the CLI reads it: all of it (`GET /jobs/{id}/log`), or followed live from the
 * server-sent events of `GET /jobs/{id}/log/stream` (`log` chunks, a `gap` when the reader fell
 * behind the hub's tail, `end` when the job is over) until it ends or the signal aborts.
 */
import { type ApiClient, answer } from "./api-client.ts";

export async function readJobLog(client: ApiClient, jobId: string): Promise<string> {
  return (await answer(await client.request("GET", `/jobs/${encodeURIComponent(jobId)}/log`))) as string;
}

/** Calls `onText` with each chunk as it arrives; resolves when the job's log ends. */
export async function followJobLog(
  client: ApiClient,
  jobId: string,
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await client.request(
    "GET",
    `/jobs/${encodeURIComponent(jobId)}/log/stream`,
    undefined,
    signal,
  );
  if (!response.ok || !response.body) {
    await answer(response);
    return;
  }
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for await (const bytes of response.body) {
      buffered += decoder.decode(bytes, { stream: true });
      let boundary = buffered.indexOf("\n\n");
      while (boundary >= 0) {
        const event = parseEvent(buffered.slice(0, boundary));
        buffered = buffered.slice(boundary + 2);
        if (event.type === "end") return;
        if (event.type === "log") onText((JSON.parse(event.data) as { chunk: string }).chunk);
        if (event.type === "gap")
          onText("\n… (part of the log was skipped: `orchestrator logs <job>` has it all)\n");
        boundary = buffered.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

function parseEvent(block: string): { type: string; data: string } {
  let type = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { type, data: data.join("\n") };
}
