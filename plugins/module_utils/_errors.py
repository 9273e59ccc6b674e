# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Errors raised by the API layer: one type for API failures, one for bad settings.

Nothing here imports the SDK, so modules and pure code can catch these without it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import re

from urllib.parse import quote

from ansible_collections.cloudwall.alicloud.plugins.module_utils._retry import is_retryable

REDACTED = "***"

# "Not found" answers for a security group: today's code of DeleteSecurityGroup, and the older one that the other
# actions still give (ECS_API.md section 6). Clients accept both.
GROUP_NOT_FOUND_CODES = frozenset(("InvalidSecurityGroupId.NotFound", "InvalidSecurityGroup.NotFound"))
# An unknown rule id in RevokeSecurityGroup(Egress): 400 InvalidParam.SecurityGroupRuleId since 2024-07-08, 404
# InvalidSecurityGroupRuleId.NotFound before (ECS_API.md section 6).
RULE_NOT_FOUND_CODES = frozenset(("InvalidSecurityGroupRuleId.NotFound", "InvalidParam.SecurityGroupRuleId"))

# Writes whose refusal says that their end state already holds: the group or the rule is gone, the member is
# already in or out. Whether the first attempt's answer was lost (these actions take no ClientToken) or another
# writer got there first, the declared state is reached, so EcsClient.call() answers ``{"AlreadyDone": code}``
# instead of failing. The one place that decides "already done".
ALREADY_DONE_CODES = {
    "DeleteSecurityGroup": GROUP_NOT_FOUND_CODES,
    "RevokeSecurityGroup": RULE_NOT_FOUND_CODES,
    "RevokeSecurityGroupEgress": RULE_NOT_FOUND_CODES,
    "JoinSecurityGroup": frozenset(("InvalidInstanceId.AlreadyExists",)),
    "LeaveSecurityGroup": frozenset(("InvalidSecurityGroupAssociation.NotFound",)),
}


def is_already_done(action, code):
    """Whether ``code`` answering ``action`` means the write's end state already holds (see ALREADY_DONE_CODES)."""
    return code in ALREADY_DONE_CODES.get(action, ())


# Every request parameter travels in the URL (_rpc and the SDK alike); a connection error may repeat that URL
# (AccessKeyId, Signature, SecurityToken, ...), so any query string is dropped from messages.
_QUERY_STRING = re.compile(r"\?[^\s'\"()<>]*")
# SignatureDoesNotMatch carries the server's string-to-sign after this phrase: it is noise for a
# user and echoes every parameter, so the message is cut there.
_STRING_TO_SIGN = re.compile(r"[\s,.;:]*server string to sign is.*$", re.IGNORECASE | re.DOTALL)


def scrub(text, secrets=()):
    """Return ``text`` with every known secret, URL query string and string-to-sign removed."""
    if text is None:
        return ""
    text = str(text)
    text = _STRING_TO_SIGN.sub(".", text)
    text = _QUERY_STRING.sub("?<query omitted>", text)
    for secret in secrets:
        if not secret:
            continue
        for form in (secret, quote(secret, safe=""), quote(secret, safe="~")):
            text = text.replace(form, REDACTED)
    return text


# What a failed connection says, from the socket, ssl and http.client texts _rpc passes on (or the urllib3 text the
# SDK wraps), most specific first.
_CONNECTION_REASONS = (
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I), "its TLS certificate could not be verified"),
    (re.compile(r"the CA bundle .* could not be loaded", re.I), None),
    (re.compile(r"WRONG_VERSION_NUMBER|wrong version number|record layer failure|UNKNOWN_PROTOCOL", re.I),
     "it does not answer in TLS, is it a plain http endpoint"),
    (re.compile(r"\[SSL: [A-Z0-9_]+\][^(')\]]*"), None),
    (re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed|Temporary failure in name resolution", re.I),
     "its host name does not resolve"),
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (re.compile(r"timed out|timeout", re.I), "the connection timed out"),
    (re.compile(r"Connection reset|RemoteDisconnected|Connection aborted", re.I), "the connection was closed"),
    (re.compile(r"No route to host|Network is unreachable", re.I), "no route to host"),
)


# What the SDK (RAM role credentials) reports as SDK.HttpError although no retry can mend it.
_TLS_FAILURE = re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|WRONG_VERSION_NUMBER|wrong version number", re.I)


def is_tls_failure(sdk_message):
    """Whether a connection failure's text is a TLS failure that would fail again the same way."""
    return bool(_TLS_FAILURE.search(sdk_message or ""))


def connection_failure(endpoint, sdk_message):
    """One line for a request that never got an answer: the endpoint and why, without the SDK's internals."""
    matches = ((pattern.search(sdk_message or ""), text) for pattern, text in _CONNECTION_REASONS)
    reason = next((text or found.group(0).strip() for found, text in matches if found), None)
    if reason is None:
        errno_text = re.search(r"\[Errno -?\d+\] ([^'\")]+)", sdk_message or "")
        reason = errno_text.group(1).strip() if errno_text else "no answer"
    return "could not reach the ECS endpoint %s: %s" % (endpoint, reason)


class ValidationError(ValueError):
    """Bad input found before any API call. Its text names the argument, the value and what is allowed;
    the module base class turns it into a failed task in one place."""

    def result(self):
        """The keys of the failed task's result."""
        return {"msg": str(self)}


class ConfigurationError(Exception):
    """Bad or missing auth/endpoint settings found before any API call.

    ``option`` names the module option to fix (e.g. ``region``); the text ends with ``(option <name>)``.
    """

    def __init__(self, message, option=None):
        text = message if option is None else "%s (option %s)" % (message, option)
        super(ConfigurationError, self).__init__(text)
        self.option = option


class EcsApiError(Exception):
    """An ECS API call failed (server error, connection error or unreadable answer).

    ``str(error)`` is ``"<Action> failed: <Code>: <Message> (RequestId: <id>)"``. The message is
    scrubbed of the secrets given at construction, so it is safe to show and to log.
    """

    def __init__(self, action, code, message, request_id=None, http_status=None, retryable=None, secrets=(), attempts=1):
        self.action = action
        self.code = code or "Unknown"
        self.message = scrub(message, secrets).strip()
        self.request_id = request_id or ""
        self.http_status = int(http_status) if http_status is not None else None
        self.retryable = is_retryable(self.code, self.http_status) if retryable is None else bool(retryable)
        self.attempts = attempts
        super(EcsApiError, self).__init__(self._render())

    def _render(self):
        text = "%s failed: %s: %s" % (self.action, self.code, self.message)
        if self.request_id:
            text += " (RequestId: %s)" % self.request_id
        return text

    def __str__(self):
        return self._render()

    def to_dict(self):
        """The fields modules return under ``error`` when they fail."""
        return {
            "action": self.action,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "http_status": self.http_status,
            "attempts": self.attempts,
        }
