"""python -m emulator --port 8765 --state PATH [--seed demo] [--host 127.0.0.1]"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .auth import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from .seeds import DEFAULT_REGION, SEEDS
from .server import make_server


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="A local, stateful Alibaba Cloud ECS API (security groups).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free port (default 8765)")
    parser.add_argument("--state", default=None, help="SQLite state file; without it a temporary file removed at exit")
    parser.add_argument("--seed", choices=sorted(SEEDS), default=None, help="load this seed when the state holds no resources yet")
    parser.add_argument("--log-level", default="WARNING", help="Python logging level for the emulator's own log (stderr)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(args.host, args.port, args.state, args.seed)
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        # shutdown() waits for serve_forever to return, so it must run outside the serving thread.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"endpoint: {server.endpoint}")
    print(f"access_key_id: {DEMO_ACCESS_KEY_ID}")
    print(f"access_key_secret: {DEMO_ACCESS_KEY_SECRET}")
    print(f"region: {DEFAULT_REGION}")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
