/**
 * The URL shortener as the scripted Developer writes it into a project scaffolded from the
 * python-service template: `app/links.py` (codes kept in memory), `tests/test_links.py` (unittest,
 * through the template's own `helpers.serve`), and two routes patched into `app/server.py`
 * (`POST /links` → 201 `{code, url}`, `GET /links/<code>` → 200 `{code, url}` or 404). As with the
 * Node scenario, iteration 1's codes are the store's size (its test of a 6-character code fails)
 * and iteration 2 makes them six hex characters (`secrets.token_hex(3)`).
 */
import { writeFile } from "./pipeline-model.ts";

const linksModule = (code: string) => `"""Short links: a code per URL, kept in memory."""

import secrets
import threading


class Links:
    def __init__(self) -> None:
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def shorten(self, url: str) -> str:
        with self._lock:
            code = ${code}
            self._urls[code] = url
        return code

    def resolve(self, code: str) -> str | None:
        with self._lock:
            return self._urls.get(code)`;

export const BUGGY_LINKS_PY = linksModule("str(len(self._urls))");
export const FIXED_LINKS_PY = linksModule("secrets.token_hex(3)");

export const LINKS_TEST_PY = `import unittest

from app.links import Links
from helpers import request, serve


class LinksTest(unittest.TestCase):
    def test_codes_are_six_characters(self):
        self.assertEqual(len(Links().shorten("https://example.com")), 6)

    def test_a_code_resolves_to_its_url(self):
        links = Links()
        code = links.shorten("https://example.com/a")
        self.assertEqual(links.resolve(code), "https://example.com/a")

    def test_the_service_shortens_and_resolves(self):
        base = serve(self)
        status, body = request(f"{base}/links", method="POST", body={"url": "https://example.com/b"})
        self.assertEqual(status, 201)
        expected = {"code": body["code"], "url": "https://example.com/b"}
        self.assertEqual(request(f"{base}/links/{body['code']}"), (200, expected))
        self.assertEqual(request(f"{base}/links/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()`;

const ROUTES = `        if method == "POST" and path == "/links":
            body = self._read_json()
            url = body.get("url") if isinstance(body, dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                return 400, {"error": "url must be an http(s) URL"}
            return 201, {"code": self.server.links.shorten(url), "url": url}
        if method == "GET" and path.startswith("/links/"):
            code = path.removeprefix("/links/")
            url = self.server.links.resolve(code)
            return (200, {"code": code, "url": url}) if url else (404, {"error": "unknown code"})
`;

/** Adds the links store to the server and its two routes before the 404, as an agent's edit would. */
const PATCH_SERVER = `python3 - <<'PY'
from pathlib import Path

server = Path("app/server.py")
text = server.read_text()
text = text.replace("from app.config import Config\\n", "from app.config import Config\\nfrom app.links import Links\\n", 1)
text = text.replace("        self.config = config\\n", "        self.config = config\\n        self.links = Links()\\n", 1)
routes = ${JSON.stringify(ROUTES)}
text = text.replace('        return 404, {"error": "not found"}', routes + '        return 404, {"error": "not found"}', 1)
server.write_text(text)
PY`;

/** The Developer's shell commands for iteration `n` of a Python shortener. */
export const pythonShortener = (iteration: number): string[] =>
  iteration === 1
    ? [
        writeFile("app/links.py", BUGGY_LINKS_PY),
        writeFile("tests/test_links.py", LINKS_TEST_PY),
        PATCH_SERVER,
      ]
    : [writeFile("app/links.py", FIXED_LINKS_PY)];
