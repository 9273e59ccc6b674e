"""Both paging styles of ECS Describe calls: PageNumber/PageSize and MaxResults/NextToken."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from .errors import EcsError
from .validation import Params


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        kind, _sep, number = text.partition(":")
        offset = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise EcsError("InvalidNextToken.Malformed") from None
    if kind != "offset" or offset < 0:
        raise EcsError("InvalidNextToken.Malformed")
    return offset


@dataclass(frozen=True)
class Paging:
    by_token: bool
    offset: int
    size: int
    page_number: int

    def page(self, items: list[Any], totals: bool = True) -> tuple[list[Any], dict[str, Any]]:
        """The items of this page and the paging keys of the answer; `totals=False` leaves out TotalCount and
        MaxResults (DescribeSecurityGroups by token)."""
        chunk = items[self.offset:self.offset + self.size]
        following = self.offset + self.size
        next_token = encode_token(following) if following < len(items) else ""
        if self.by_token:
            if not totals:
                return chunk, {"NextToken": next_token}
            return chunk, {"TotalCount": len(items), "NextToken": next_token, "MaxResults": self.size}
        return chunk, {"TotalCount": len(items), "PageNumber": self.page_number, "PageSize": self.size, "NextToken": ""}


def read_paging(params: Params, max_page_size: int, max_results: int, default_size: int = 10, min_results: int = 1) -> Paging:
    """The paging of a request; mixing the two styles is NotSupported.PageNumberAndPageSize."""
    page_style = params.has("PageNumber") or params.has("PageSize")
    token_style = params.has("MaxResults") or params.has("NextToken")
    if page_style and token_style:
        raise EcsError("NotSupported.PageNumberAndPageSize")
    if token_style:
        size = params.integer("MaxResults", default_size, min_results, max_results)
        offset = decode_token(params.get("NextToken")) if params.has("NextToken") else 0
        return Paging(True, offset, size, 1)
    number = params.integer("PageNumber", 1, 1, 1_000_000)
    size = params.integer("PageSize", default_size, 1, max_page_size)
    return Paging(False, (number - 1) * size, size, number)
