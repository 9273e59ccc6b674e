"""Accounts: each has a numeric id, an account name and its own access keys; every security group belongs to one.

A caller is the account of the access key that signed the request. Describe calls see only the caller's groups; a
rule may name another account's group (cross-account authorization) by that account's name or numeric id, and ECS
answers with the numeric id ("" for the caller's own account). Sources: ECS AuthorizeSecurityGroup API reference
(SourceGroupOwnerAccount, SourceGroupOwnerId); Terraform alicloud provider, resource_alicloud_security_group_rule
(reads SourceGroupOwnerAccount into source_group_owner_id, PR #10142).
"""

from __future__ import annotations

import sqlite3

# The demo account: every resource without an owner belongs to it, and the demo access key signs as it.
DEMO_ACCOUNT_ID = "1234567890123456"
DEMO_ACCOUNT_NAME = "cloudwall-demo"


def ensure_demo_account(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR IGNORE INTO accounts (account_id, name) VALUES (?, ?)", (DEMO_ACCOUNT_ID, DEMO_ACCOUNT_NAME))


def find_account(conn: sqlite3.Connection, id_or_name: str) -> str | None:
    """The numeric id of the account with this id or this name; None when there is none."""
    row = conn.execute("SELECT account_id FROM accounts WHERE account_id = ? OR name = ?", (id_or_name, id_or_name)).fetchone()
    return row[0] if row else None


def owner_as_answered(conn: sqlite3.Connection, caller: str, id_or_name: str) -> str | None:
    """A peer group's owner as ECS stores and answers it: "" for the caller's own account (or none given), else the
    other account's numeric id; None when no such account exists."""
    if id_or_name in ("", caller):
        return ""
    account_id = find_account(conn, id_or_name)
    if account_id is None:
        return None
    return "" if account_id == caller else account_id
