"""SQLite state: schema, connections, transactions, and the emulator's own bookkeeping tables."""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from .accounts import ensure_demo_account

DEFAULT_QUOTAS: dict[str, int] = {
    "rules_per_group": 200,
    "groups_per_instance": 5,
    "groups_per_region": 100,
    "group_references": 20,
    "tags_per_resource": 20,
    "permissions_per_call": 100,
}

NONCE_WINDOW_SECONDS = 15 * 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A nonce is kept until the timestamp of the request that used it leaves the accepted window (expires).
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces (seen);
CREATE TABLE IF NOT EXISTS accounts (account_id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, action TEXT NOT NULL, region TEXT NOT NULL,
    params TEXT NOT NULL, http_status INTEGER NOT NULL, code TEXT NOT NULL, mutating INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS client_tokens (
    action TEXT NOT NULL, region TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, response TEXT NOT NULL,
    PRIMARY KEY (action, region, token));
CREATE TABLE IF NOT EXISTS vpcs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, vpc_id TEXT UNIQUE NOT NULL, region TEXT NOT NULL, cidr_block TEXT NOT NULL,
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vswitches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, vswitch_id TEXT UNIQUE NOT NULL, vpc_id TEXT NOT NULL, region TEXT NOT NULL,
    zone_id TEXT NOT NULL, cidr_block TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prefix_lists (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, prefix_list_id TEXT UNIQUE NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    address_family TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS security_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, group_id TEXT UNIQUE NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, vpc_id TEXT NOT NULL, group_type TEXT NOT NULL, inner_access_policy TEXT NOT NULL,
    resource_group_id TEXT NOT NULL, creation_time TEXT NOT NULL, owner_id TEXT NOT NULL DEFAULT '1234567890123456',
    service_managed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS security_groups_region ON security_groups (region);
CREATE TABLE IF NOT EXISTS rules (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT UNIQUE NOT NULL, group_id TEXT NOT NULL, direction TEXT NOT NULL,
    ip_protocol TEXT NOT NULL, port_range TEXT NOT NULL, source_port_range TEXT NOT NULL,
    source_cidr_ip TEXT NOT NULL, ipv6_source_cidr_ip TEXT NOT NULL, source_group_id TEXT NOT NULL,
    source_group_owner_account TEXT NOT NULL, source_prefix_list_id TEXT NOT NULL,
    dest_cidr_ip TEXT NOT NULL, ipv6_dest_cidr_ip TEXT NOT NULL, dest_group_id TEXT NOT NULL,
    dest_group_owner_account TEXT NOT NULL, dest_prefix_list_id TEXT NOT NULL,
    policy TEXT NOT NULL, priority INTEGER NOT NULL, nic_type TEXT NOT NULL, description TEXT NOT NULL,
    create_time TEXT NOT NULL, identity TEXT NOT NULL, UNIQUE (group_id, identity));
CREATE INDEX IF NOT EXISTS rules_group ON rules (group_id);
CREATE INDEX IF NOT EXISTS rules_source_group ON rules (source_group_id);
CREATE INDEX IF NOT EXISTS rules_dest_group ON rules (dest_group_id);
CREATE TABLE IF NOT EXISTS instances (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT UNIQUE NOT NULL, region TEXT NOT NULL, zone_id TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, vpc_id TEXT NOT NULL, vswitch_id TEXT NOT NULL,
    private_ip TEXT NOT NULL, public_ip TEXT NOT NULL, creation_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enis (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, eni_id TEXT UNIQUE NOT NULL, region TEXT NOT NULL, zone_id TEXT NOT NULL,
    instance_id TEXT NOT NULL, eni_type TEXT NOT NULL, status TEXT NOT NULL, vpc_id TEXT NOT NULL, vswitch_id TEXT NOT NULL,
    private_ip TEXT NOT NULL, mac TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, creation_time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS enis_instance ON enis (instance_id);
-- member_id is an instance id, or the id of a secondary ENI. A primary ENI shares its instance's groups.
CREATE TABLE IF NOT EXISTS memberships (
    member_id TEXT NOT NULL, group_id TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (member_id, group_id));
CREATE INDEX IF NOT EXISTS memberships_group ON memberships (group_id);
CREATE TABLE IF NOT EXISTS tags (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL, UNIQUE (resource_id, tag_key));
"""

# Tables reset wipes; meta keeps nothing that must survive a reset except the schema.
_RESETTABLE = ("meta", "nonces", "accounts", "calls", "client_tokens", "vpcs", "vswitches", "prefix_lists",
               "security_groups", "rules", "instances", "enis", "memberships", "tags")
_RESOURCE_TABLES = ("vpcs", "vswitches", "prefix_lists", "security_groups", "instances", "enis")


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added since a state file was made (CREATE TABLE IF NOT EXISTS leaves old tables as they are)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(security_groups)")}
    if "owner_id" not in columns:
        conn.execute("ALTER TABLE security_groups ADD COLUMN owner_id TEXT NOT NULL DEFAULT '1234567890123456'")
    if "service_managed" not in columns:
        conn.execute("ALTER TABLE security_groups ADD COLUMN service_managed INTEGER NOT NULL DEFAULT 0")


class Store:
    """The SQLite file: a pool of connections, one writer at a time (BEGIN IMMEDIATE under a process lock)."""

    def __init__(self, path: str):
        self.path = path
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        conn = self._connect()
        conn.executescript(_SCHEMA)
        _migrate(conn)
        with self.write_on(conn):
            ensure_demo_account(conn)
        self._pool.put(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash (kill -9); only a power loss may drop the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        with self._all_lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        finally:
            self._pool.put(conn)

    @contextmanager
    def write_on(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """A write transaction on a connection the caller holds."""
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            done = False
            try:
                yield conn
                done = True
            finally:
                conn.execute("COMMIT" if done else "ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends normally, rolled back on any exception."""
        with self._connection() as conn, self.write_on(conn) as held:
            yield held

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()

    # --- bookkeeping -------------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.write() as conn:
            for table in _RESETTABLE:
                conn.execute(f"DELETE FROM {table}")  # nosec - fixed table names
            ensure_demo_account(conn)

    def has_resources(self) -> bool:
        with self.read() as conn:
            return any(conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in _RESOURCE_TABLES)  # nosec

    def quotas(self, conn: sqlite3.Connection | None = None) -> dict[str, int]:
        if conn is None:
            with self.read() as own:
                return self.quotas(own)
        row = conn.execute("SELECT value FROM meta WHERE key = 'quotas'").fetchone()
        quotas = dict(DEFAULT_QUOTAS)
        if row:
            quotas.update(json.loads(row["value"]))
        return quotas

    def set_quotas(self, changes: dict[str, int]) -> dict[str, int]:
        with self.write() as conn:
            quotas = self.quotas(conn)
            quotas.update(changes)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('quotas', ?)", (json.dumps(quotas),))
            return quotas

    def use_nonce(self, nonce: str, request_time: float, now: float | None = None) -> bool:
        """Record a nonce; False when it is still remembered. A nonce is kept until its request's timestamp is out of
        the +-15 minute window, so a request dated in the future cannot be replayed once a fixed 15 minutes have passed.
        (The `seen` column holds that expiry.)"""
        now = time.time() if now is None else now
        expires = max(request_time, now) + NONCE_WINDOW_SECONDS
        with self.write() as conn:
            conn.execute("DELETE FROM nonces WHERE seen < ?", (now,))
            return conn.execute("INSERT OR IGNORE INTO nonces VALUES (?, ?)", (nonce, expires)).rowcount == 1

    def log_call(self, when: str, action: str, region: str, params: dict[str, str], http_status: int, code: str, mutating: bool) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO calls (time, action, region, params, http_status, code, mutating) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (when, action, region, json.dumps(params, sort_keys=True), http_status, code, int(mutating)))

    def calls(self, since: int = 0, action: str = "") -> list[dict[str, Any]]:
        sql = "SELECT * FROM calls WHERE id > ?"
        args: list[Any] = [since]
        if action:
            sql += " AND action = ?"
            args.append(action)
        with self.read() as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        return [{"id": row["id"], "time": row["time"], "action": row["action"], "region": row["region"],
                 "params": json.loads(row["params"]), "http_status": row["http_status"], "code": row["code"],
                 "mutating": bool(row["mutating"])} for row in rows]

    def clear_calls(self) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM calls")
