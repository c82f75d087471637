/** The API as a member calls it, with their key: status and parsed body, never a throw on 4xx. */
export function memberApi(apiBase: string, key: string) {
  return async (route: string, body?: unknown, method?: string) => {
    const response = await fetch(`${apiBase}${route}`, {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : null };
  };
}
