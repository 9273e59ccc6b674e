"""The admin API under /_emulator/: health, reset, seed, credentials, call log, faults, quotas, state dump."""

from __future__ import annotations

from typing import Any

from .auth import Credential, CredentialRegistry
from .faults import FaultInjector
from .ids import parse_iso
from .accounts import DEMO_ACCOUNT_ID, find_account
from .seeds import SEEDS, Seeder, SeedError, seed_access_keys
from .state_dump import dump_state
from .store import DEFAULT_QUOTAS, Store


class AdminError(Exception):
    """A refused admin request: HTTP status and message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Admin:
    def __init__(self, store: Store, faults: FaultInjector, credentials: CredentialRegistry):
        self.store = store
        self.faults = faults
        self.credentials_registry = credentials
        self._routes = {
            ("GET", "health"): self.health, ("POST", "reset"): self.reset, ("POST", "seed"): self.seed,
            ("POST", "credentials"): self.credentials, ("GET", "calls"): self.calls, ("DELETE", "calls"): self.clear_calls,
            ("GET", "faults"): self.get_faults, ("POST", "faults"): self.set_faults, ("DELETE", "faults"): self.clear_faults,
            ("GET", "quotas"): self.get_quotas, ("POST", "quotas"): self.set_quotas, ("GET", "state"): self.state,
        }

    def handle(self, method: str, name: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        route = self._routes.get((method, name))
        if route is None:
            known = any(route[1] == name for route in self._routes)
            raise AdminError(405 if known else 404, f"no admin route {method} /_emulator/{name}")
        return 200, route(query, body)

    @staticmethod
    def health(_query, _body) -> dict[str, Any]:
        return {"status": "ok"}

    def reset(self, _query, body) -> dict[str, Any]:
        seed = (body or {}).get("seed") if isinstance(body, dict) else None
        if seed is not None and seed not in SEEDS:
            raise AdminError(400, f"unknown seed {seed!r}; known: {', '.join(SEEDS)}")
        self.store.reset()
        self.faults.clear()
        self.credentials_registry.clear()
        if seed:
            self.load_seed(SEEDS[seed])
        return {"status": "ok"}

    def load_seed(self, seed: dict[str, Any]) -> dict[str, list[str]]:
        try:
            with self.store.write() as conn:
                created = Seeder(conn).load(seed)
        except SeedError as exc:
            raise AdminError(400, f"seed refused: {exc}") from None
        self.register_seed_keys(seed)
        return created

    def register_seed_keys(self, seed: dict[str, Any]) -> None:
        """The access keys of a seed's accounts, kept in memory like every added key (never in the state file)."""
        for access_key_id, secret, account_id in seed_access_keys(seed if isinstance(seed, dict) else {}):
            self.credentials_registry.add(access_key_id, Credential(secret, account_id=account_id))

    def seed(self, _query, body) -> dict[str, Any]:
        if isinstance(body, dict) and isinstance(body.get("seed"), str):
            if body["seed"] not in SEEDS:
                raise AdminError(400, f"unknown seed {body['seed']!r}; known: {', '.join(SEEDS)}")
            return {"created": self.load_seed(SEEDS[body["seed"]])}
        return {"created": self.load_seed(body if body is not None else {})}

    def credentials(self, _query, body) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("access_key_id") or not body.get("access_key_secret"):
            raise AdminError(400, "credentials need access_key_id and access_key_secret")
        expiration_text = body.get("expiration") or ""
        expiration = parse_iso(expiration_text) if expiration_text else None
        if expiration_text and expiration is None:
            raise AdminError(400, f"expiration {expiration_text!r} is not an ISO-8601 UTC time such as 2030-01-01T00:00:00Z")
        account = str(body.get("account_id") or DEMO_ACCOUNT_ID)
        with self.store.read() as conn:
            account_id = find_account(conn, account)
        if account_id is None:
            raise AdminError(400, f"account {account!r} does not exist; seed it under accounts first")
        self.credentials_registry.add(str(body["access_key_id"]),
                                      Credential(str(body["access_key_secret"]), str(body.get("security_token") or ""), expiration,
                                                 account_id))
        return {"status": "ok"}

    def calls(self, query, _body) -> dict[str, Any]:
        try:
            since = int(query.get("since", "0") or 0)
        except ValueError:
            raise AdminError(400, f"since {query.get('since')!r} is not an integer") from None
        return {"calls": self.store.calls(since, query.get("action", ""))}

    def clear_calls(self, _query, _body) -> dict[str, Any]:
        self.store.clear_calls()
        return {"status": "ok"}

    def get_faults(self, _query, _body) -> dict[str, Any]:
        return {"faults": self.faults.describe()}

    def set_faults(self, _query, body) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("faults", []), list):
            raise AdminError(400, 'faults are {"faults": [...], "random_seed": int?}')
        seed = body.get("random_seed")
        if seed is not None and not isinstance(seed, int):
            raise AdminError(400, f"random_seed {seed!r} is not an integer")
        try:
            self.faults.replace(body.get("faults", []), seed)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        return {"faults": self.faults.describe()}

    def clear_faults(self, _query, _body) -> dict[str, Any]:
        self.faults.clear()
        return {"faults": []}

    def get_quotas(self, _query, _body) -> dict[str, Any]:
        return {"quotas": self.store.quotas()}

    def set_quotas(self, _query, body) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise AdminError(400, "quotas are a JSON object")
        unknown = set(body) - set(DEFAULT_QUOTAS)
        if unknown:
            raise AdminError(400, f"unknown quotas: {', '.join(sorted(unknown))}; known: {', '.join(DEFAULT_QUOTAS)}")
        if not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in body.values()):
            raise AdminError(400, "quota values are non-negative integers")
        return {"quotas": self.store.set_quotas(body)}

    def state(self, _query, _body) -> dict[str, Any]:
        with self.store.read() as conn:
            return dump_state(conn)
