"""Answers that carry JSON already encoded (by SQLite) and splice it in as is, instead of decoding and re-encoding it."""

from __future__ import annotations

import json
from typing import Any


class RawJson(str):
    """A JSON text to place in an answer verbatim."""


def dumps(document: Any) -> str:
    """json.dumps, with every RawJson value written as the JSON it holds."""
    fragments: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, RawJson):
            fragments.append(value)
            return f"\x00raw{len(fragments) - 1}\x00"
        if isinstance(value, dict):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mark(item) for item in value]
        return value

    text = json.dumps(mark(document), ensure_ascii=False, separators=(",", ":"))
    for index, fragment in enumerate(fragments):
        text = text.replace(f'"\\u0000raw{index}\\u0000"', fragment, 1)
    return text
