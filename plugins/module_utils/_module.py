# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""AlicloudModule: the base class of every module (argument spec, lazy client, results, failures).

A module defines ``result_key``, ``define_module()`` and ``run()``; its ``main()`` is ``Cls.run_module()``.
``run()`` reads, plans with pure functions, and applies unless ``self.check_mode``; it sets
``self.changed``, ``self.diff`` and ``self.result_value`` (returned under ``result_key``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import copy

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client
from ansible_collections.cloudwall.alicloud.plugins.module_utils._client import AUTH_ARGUMENT_SPEC, SDK_PACKAGES, EcsClient
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError, EcsApiError, ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import plannable, planned_group, planned_warning
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import option_type_problems


# API answers that mean the credentials themselves were refused.
CREDENTIAL_ERROR_CODES = frozenset((
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch", "IncompleteSignature",
    "InvalidSecurityToken.Expired", "InvalidSecurityToken.Malformed", "InvalidSecurityToken.MismatchWithAccessKey",
))


class AlicloudModule:
    """Common behaviour of cloudwall.alicloud modules."""

    # Result key of the module's main output, e.g. "security_group".
    result_key = None

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.changed = False
        self.diff = {"before": {}, "after": {}}
        # The value returned under ``result_key``; other top-level result keys go in ``extra_results``.
        self.result_value = None
        self.extra_results = {}
        self._client = None
        # Check mode: groups given by name that an earlier task would create, by name.
        self.planned_groups = {}

    @classmethod
    def base_module_spec(cls):
        """AnsibleModule keyword arguments every module starts from: the common options and check mode."""
        return dict(argument_spec=copy.deepcopy(AUTH_ARGUMENT_SPEC), supports_check_mode=True)

    @classmethod
    def define_module(cls):
        """AnsibleModule keyword arguments of this module; subclasses extend ``base_module_spec()``."""
        return cls.base_module_spec()

    @property
    def client(self):
        """The EcsClient, built on first use so that argument validation happens before any connection: a run that
        fails validation or plans nothing to call never connects (nor, with RAM role credentials, loads the SDK)."""
        if self._client is None:
            try:
                self._client = self._build_client()
            except ConfigurationError as error:
                if _client.HAS_SDK is False:  # only RAM role credentials load the SDK, and it is not installed
                    self.module.fail_json(msg=missing_required_lib(SDK_PACKAGES), exception=_client.SDK_IMPORT_ERROR)
                self.fail(str(error), option=error.option)
        return self._client

    def _build_client(self):
        return EcsClient.from_module_params(self.params)

    def call(self, action, params=None, mutating=None):
        return self.client.call(action, params, mutating=mutating)

    def paginate(self, action, params, items_path, style="token", page_size=None):
        return self.client.paginate(action, params, items_path, style=style, page_size=page_size)

    def fail(self, msg, **extra):
        """Fail the task; ``changed`` says whether anything was changed before the failure."""
        extra.setdefault("changed", self.changed)
        self.module.fail_json(msg=msg, **extra)

    def fail_lookup(self, option, error):
        """Fail for a group reference that matched no group or several, naming the option it came from."""
        self.fail("%s: %s" % (option, error), candidates=getattr(error, "candidates", []))

    def planned_or_fail(self, option, ref, error, vpc_id=None):
        """In check mode, the planned group a name that matched nothing stands for (with a warning); else fail.

        A group given by id, an ambiguous name, and any real run fail as before."""
        if not (self.check_mode and plannable(ref, error)):
            self.fail_lookup(option, error)
        if ref not in self.planned_groups:
            self.module.warn(planned_warning(option, ref, vpc_id))
            self.planned_groups[ref] = planned_group(ref, vpc_id)
        return self.planned_groups[ref]

    def fail_api(self, error):
        """Fail with an API error: its text, its fields under ``error``, and what the run did so far."""
        result = self.partial_result()
        result["error"] = error.to_dict()
        message = str(error)
        if error.code in CREDENTIAL_ERROR_CODES and self._client is not None and self._client.identity:
            message += "; the request was signed with %s: check access_key, secret_key and security_token" % self._client.identity
        self.fail(message, **result)

    def run(self):
        """Read the current state, plan, and apply the plan unless in check mode."""
        raise NotImplementedError("%s must implement run()" % type(self).__name__)

    def prepare_result(self):
        """The value returned under ``result_key``; override to shape it."""
        return self.result_value

    def partial_result(self):
        """Result keys safe to return when the run stopped half way (no call to prepare_result)."""
        result = dict(self.extra_results)
        result["changed"] = self.changed
        if self.result_key and self.result_value is not None:
            result[self.result_key] = self.result_value
        return result

    def get_result(self):
        result = dict(self.extra_results)
        result["changed"] = self.changed
        if self.result_key:
            result[self.result_key] = self.prepare_result()
        if getattr(self.module, "_diff", False):
            result["diff"] = self.diff
        return result

    @staticmethod
    def _permissive_spec(spec):
        """``spec`` with every option untyped and optional (no_log kept), so a module can start only to refuse."""
        options = dict((name, dict(type="raw", aliases=option.get("aliases") or [], no_log=bool(option.get("no_log"))))
                       for name, option in spec["argument_spec"].items())
        return dict(argument_spec=options, supports_check_mode=True)

    @classmethod
    def run_module(cls):
        """Entry point of a module's ``main()``."""
        spec = cls.define_module()
        # AnsibleModule turns a list given for a string option into its Python text; the arguments as given are
        # checked first, so that such a value is refused, naming the option, before any conversion or call.
        problems = option_type_problems(spec["argument_spec"], basic._load_params())  # pylint: disable=protected-access
        if problems:
            AnsibleModule(**cls._permissive_spec(spec)).fail_json(msg="; ".join(problems), problems=problems, changed=False)
        module = AnsibleModule(**spec)
        instance = cls(module)
        instance.execute()
        module.exit_json(**instance.get_result())

    def execute(self):
        """run(), with its bad input and API failures turned into a failed task: the one place for both."""
        try:
            self.run()
        except ValidationError as error:
            self.fail(**error.result())
        except EcsApiError as error:
            self.fail_api(error)
