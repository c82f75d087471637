"""`python3 -m app`: serves on $HOST:$PORT until SIGTERM or SIGINT, then ends the requests in flight."""

import os
import signal
import threading

from app.config import load_config
from app.server import SERVICE_NAME, create_server


def main() -> None:
    # Behind the server's HTTPS proxy the deploy sets HOST=127.0.0.1; unset: every interface.
    server = create_server(load_config(), os.environ.get("HOST") or "0.0.0.0")

    def stop(signum: int, frame: object) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run in the serving thread,
        # which is where Python runs signal handlers.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"{SERVICE_NAME} listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    print(f"{SERVICE_NAME} stopped", flush=True)


if __name__ == "__main__":
    main()
