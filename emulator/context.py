"""What an action handler gets: the open transaction, the region, the parameters, the quotas."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from .accounts import DEMO_ACCOUNT_ID
from .validation import Params


@dataclass
class Context:
    conn: sqlite3.Connection
    region: str
    params: Params
    quotas: dict[str, int]
    now: dt.datetime
    account: str = DEMO_ACCOUNT_ID  # the caller's account id
