import assert from "node:assert/strict";
import { test } from "node:test";
import { serve } from "./helpers.js";

test("items are stored and listed", async () => {
  const { server, base } = await serve();
  try {
    const created = await fetch(`${base}/items`, { method: "POST", body: JSON.stringify({ name: "first" }) });
    assert.equal(created.status, 201);
    assert.deepEqual(await (await fetch(`${base}/items`)).json(), [{ id: 1, name: "first" }]);
    const invalid = await fetch(`${base}/items`, { method: "POST", body: "{}" });
    assert.equal(invalid.status, 400);
  } finally {
    server.close();
  }
});
