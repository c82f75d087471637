"""The service as the deployer runs it: `python3 -m app` with PORT set, stopped by SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path

from helpers import request

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProcessTest(unittest.TestCase):
    def test_serves_on_port_and_stops_on_sigterm(self):
        port = free_port()
        env = {**os.environ, "PORT": str(port), "DATABASE_PATH": ":memory:"}
        process = subprocess.Popen(
            [sys.executable, "-m", "app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def cleanup():
            process.kill()
            process.wait()
            process.stdout.close()

        self.addCleanup(cleanup)
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body = request(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                if process.poll() is not None:
                    self.fail(f"exited with {process.returncode}: {process.stdout.read()}")
                if time.monotonic() > deadline:
                    self.fail(f"no answer on port {port} in 10 s")
                time.sleep(0.05)
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=10), 0)
        self.assertIn("stopped", process.stdout.read())


if __name__ == "__main__":
    unittest.main()
