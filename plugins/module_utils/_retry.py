# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure retry policy: which failures are worth another attempt, and how long to wait.

Policy (ECS_API.md section 2):
- retry any error code containing Throttling, ServiceUnavailable, InternalError, UnknownError or
  OperationConflict, any HTTP 5xx, and a connection/timeout error (SDK.HttpError, as _rpc and the SDK name it);
- wait with "full jitter" exponential backoff: before retry n (1-based) sleep a uniform random time
  in [0, min(max_delay, base * 2 ** (n - 1))]. Full jitter spreads many clients hitting the same
  throttled account apart, which fixed or equal-jitter schedules do not.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

# Seconds; the first retry waits at most this long, then the cap doubles each time.
DEFAULT_BASE_DELAY = 0.5

RETRYABLE_CODE_PARTS = (
    "Throttling",
    "ServiceUnavailable",
    "InternalError",
    "UnknownError",
    "OperationConflict",
)

# Raised by aliyun-python-sdk-core for connection failures and timeouts (no HTTP status), and a 409 that
# JoinSecurityGroup gives while another operation holds the instance (ECS_API.md section 6: retry it).
RETRYABLE_EXACT_CODES = frozenset(["SDK.HttpError", "InvalidOperation.Conflict"])


def is_retryable(code, http_status):
    """True when an error with this ECS ``code`` and ``http_status`` (int or None) may succeed if retried."""
    if http_status is not None and 500 <= int(http_status) <= 599:
        return True
    if not code:
        return False
    if code in RETRYABLE_EXACT_CODES:
        return True
    return any(part in code for part in RETRYABLE_CODE_PARTS)


def backoff_delays(retries, base=DEFAULT_BASE_DELAY, max_delay=20.0, rng=None):
    """Yield the sleep (seconds) before each of at most ``retries`` retries, with full jitter.

    ``rng`` is anything with ``uniform(a, b)`` (``random.Random``); without one the delays are the
    caps themselves, which is deterministic and what a test of the schedule wants.
    """
    if retries < 0:
        raise ValueError("retries must be >= 0, got %r" % (retries,))
    if base < 0 or max_delay < 0:
        raise ValueError("base and max_delay must be >= 0")
    for attempt in range(retries):
        # min() first keeps 2 ** attempt from growing without bound on large retry counts.
        cap = min(float(max_delay), base * (2 ** min(attempt, 62)))
        yield rng.uniform(0, cap) if rng is not None else cap
