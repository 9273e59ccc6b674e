"""python -m emulator (or cloudwall-ecs-emulator) --port 8765 --state PATH [--seed demo] [--seed-file PATH] [--tls]"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import signal
import sys
import threading
from typing import Any

from .admin import AdminError
from .auth import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from .seeds import DEFAULT_REGION, SEEDS
from .server import ADMIN_TOKEN_HEADER, is_loopback, make_server
from .tls import ServerTls, TlsError, server_tls


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cloudwall-ecs-emulator", description="A local, stateful Alibaba Cloud ECS API (security groups).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1); any other address protects the admin API with a token")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free port (default 8765)")
    parser.add_argument("--state", default=None, help="SQLite state file; without it a temporary file removed at exit")
    parser.add_argument("--seed", choices=sorted(SEEDS), default=None, help="load this seed when the state holds no resources yet")
    parser.add_argument("--seed-file", default=None, metavar="PATH",
                        help="load your own seed (JSON; YAML when PyYAML is installed), the shape of POST /_emulator/seed, "
                             "when the state holds no resources yet")
    parser.add_argument("--admin-token", default=None,
                        help=f"require this token in the {ADMIN_TOKEN_HEADER} header of admin requests (generated when --host "
                             "is not a loopback address)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS; without --tls-cert a self-signed certificate is made with openssl")
    parser.add_argument("--tls-cert", default=None, metavar="PEM", help="certificate (chain) to serve with --tls")
    parser.add_argument("--tls-key", default=None, metavar="PEM", help="private key of --tls-cert")
    parser.add_argument("--log-level", default="WARNING", help="Python logging level for the emulator's own log (stderr); secrets are masked")
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_cert:
        args.tls = True
    return args


def read_seed_file(path: str) -> dict[str, Any]:
    """A user's seed: JSON always; YAML when PyYAML can be imported (the emulator itself needs only the standard library)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        document = json.loads(text)
    except ValueError as json_error:
        try:
            import yaml  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise SystemExit(f"--seed-file {path}: not JSON ({json_error}), and PyYAML is not installed to read YAML") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as yaml_error:
            raise SystemExit(f"--seed-file {path}: neither JSON nor YAML: {yaml_error}") from None
    if not isinstance(document, dict):
        raise SystemExit(f"--seed-file {path}: the seed is a mapping of kinds (vpcs, security_groups, ...) to lists")
    return document


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    seed_document = read_seed_file(args.seed_file) if args.seed_file else None
    exposed = not is_loopback(args.host)
    admin_token = args.admin_token or (secrets.token_urlsafe(24) if exposed else None)
    tls: ServerTls | None = None
    if args.tls:
        try:
            tls = server_tls(args.tls_cert, args.tls_key, args.host)
        except TlsError as error:
            raise SystemExit(f"--tls: {error}") from None
    try:
        return _serve(args, seed_document, admin_token, tls)
    finally:
        # A generated certificate's directory goes when the server stops: SIGTERM and SIGINT end serve_forever,
        # so they pass here too (only SIGKILL leaves it behind).
        if tls is not None:
            tls.cleanup()


def _serve(args: argparse.Namespace, seed_document: dict[str, Any] | None, admin_token: str | None, tls: ServerTls | None) -> int:
    exposed = not is_loopback(args.host)
    try:
        server = make_server(args.host, args.port, args.state, args.seed, seed_document, admin_token=admin_token,
                             ssl_context=tls.context if tls else None)
    except AdminError as error:  # a refused seed file is the user's to fix
        raise SystemExit(f"--seed-file {args.seed_file}: {error}") from None
    if exposed:
        print(f"WARNING: the emulator listens on {args.host}, reachable from other machines. Its demo keys are public: "
              f"anyone who reaches it can change its state. The admin API needs the {ADMIN_TOKEN_HEADER} header "
              "(admin_token below).", file=sys.stderr, flush=True)
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        # shutdown() waits for serve_forever to return, so it must run outside the serving thread.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"endpoint: {server.endpoint}")
    if admin_token:
        print(f"admin_token: {admin_token}")
    if tls is not None:  # the certificate to trust: the generated one, or the user's --tls-cert
        print(f"ca_cert: {tls.ca_cert}")
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
