/**
 * A small Python greeting service as a template we did not write would render it, for the DevOps
 * tests: `GREETER` driven by its Makefile (`make test`, `make run`: conventions the profile
 * detects); `CATALOG_GREETER` the same service following no convention the profile knows (its
 * tests in `checks/`, no Makefile), so that only a manifest can say how to test and start it.
 */

/** A Python service driven by its Makefile, as a template we did not write would render it. */
export const GREETER: Record<string, string> = {
  Makefile: [
    "PYTHON ?= python3",
    "",
    ".PHONY: test run",
    "",
    "test:",
    "\t$(PYTHON) -m unittest discover -s tests -v",
    "",
    "run:",
    "\t$(PYTHON) -m greeter",
    "",
  ].join("\n"),
  "greeter/__init__.py": "",
  "greeter/words.py": 'def greeting(name):\n    return f"Hello, {name}!"\n',
  "greeter/__main__.py": `import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from greeter.words import greeting

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"status": "ok"} if self.path == "/health" else {"greeting": greeting("deploy")}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

port = int(os.environ["PORT"])
print(f"greeter listening on {port}", flush=True)
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
`,
  "tests/test_words.py": `import unittest
from greeter.words import greeting

class GreetingTest(unittest.TestCase):
    def test_greets_by_name(self):
        self.assertEqual(greeting("Ada"), "Hello, Ada!")
`,
  ".env.example": "# infra: the port the deployer allocated\nPORT=8000\n",
  "README.md": "# Greeter\n\nA greeting service. `make test`, `make run`.\n",
};

/** The greeter without a Makefile, its tests where no convention looks: only a manifest says how to run it. */
export const CATALOG_GREETER: Record<string, string> = Object.fromEntries(
  Object.entries(GREETER)
    .filter(([file]) => file !== "Makefile")
    .map(([file, text]) => [file === "tests/test_words.py" ? "checks/check_words.py" : file, text]),
);
