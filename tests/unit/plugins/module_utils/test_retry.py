# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy: which failures retry, and the backoff schedule."""

from __future__ import annotations

import random

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._retry import backoff_delays, is_retryable


@pytest.mark.parametrize(
    "code, http_status, expected",
    [
        ("Throttling", 400, True),
        ("Throttling.User", 400, True),
        ("Rejected.Throttling", 400, True),
        ("ServiceUnavailable", 503, True),
        ("InternalError", 500, True),
        ("UnknownError", 400, True),
        ("OperationConflict", 409, True),
        ("SDK.HttpError", None, True),
        ("SDK.UnknownServerError", 502, True),
        ("SomethingNew", 504, True),
        ("InvalidSecurityGroupId.NotFound", 404, False),
        ("SignatureDoesNotMatch", 400, False),
        ("IdempotentParameterMismatch", 400, False),
        ("DependencyViolation", 403, False),
        ("InvalidParam.PortRange", 400, False),
        ("Forbidden.RAM", 403, False),
        ("SDK.InvalidRequest", None, False),
        ("", None, False),
        (None, 499, False),
    ],
)
def test_is_retryable(code, http_status, expected):
    assert is_retryable(code, http_status) is expected


@pytest.mark.parametrize(
    "retries, base, max_delay, expected",
    [
        (0, 0.5, 20, []),
        (1, 0.5, 20, [0.5]),
        (5, 0.5, 20, [0.5, 1.0, 2.0, 4.0, 8.0]),
        (8, 0.5, 20, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]),
        (4, 1.0, 3, [1.0, 2.0, 3.0, 3.0]),
        (3, 0.0, 20, [0.0, 0.0, 0.0]),
    ],
)
def test_backoff_caps_without_rng(retries, base, max_delay, expected):
    assert list(backoff_delays(retries, base, max_delay)) == expected


def test_backoff_full_jitter_stays_within_caps():
    caps = list(backoff_delays(10, 0.5, 20))
    delays = list(backoff_delays(10, 0.5, 20, rng=random.Random(7)))
    assert len(delays) == 10
    assert all(0 <= delay <= cap for delay, cap in zip(delays, caps))
    # Full jitter really draws: not every delay sits on its cap.
    assert delays != caps


def test_backoff_is_reproducible_with_seeded_rng():
    first = list(backoff_delays(6, 0.5, 20, rng=random.Random(42)))
    second = list(backoff_delays(6, 0.5, 20, rng=random.Random(42)))
    assert first == second


def test_backoff_huge_retry_count_does_not_overflow():
    delays = list(backoff_delays(2000, 0.5, 20))
    assert delays[-1] == 20.0


@pytest.mark.parametrize("retries, base, max_delay", [(-1, 0.5, 20), (3, -0.5, 20), (3, 0.5, -1)])
def test_backoff_rejects_negative_settings(retries, base, max_delay):
    with pytest.raises(ValueError):
        list(backoff_delays(retries, base, max_delay))
