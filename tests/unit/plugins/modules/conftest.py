# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module tests run a module's ``main()`` with module args against the shared fake ECS (fake_ecs.py).

Only public surfaces are touched, so a refactor of plugins/ cannot break these tests unless behaviour changes:
- the module args reach the real AnsibleModule (``patch_module_args``), so argument specs, defaults, types and
  choices are exercised;
- the sender's ``RpcSender.do_action_with_exception`` (the HTTP exchange) is answered by the fake;
- the result is what the module prints on stdout, warnings and ``failed`` included.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os

import pytest
from ansible.module_utils import _internal as ansible_internal
from ansible.module_utils.testing import patch_module_args

# Test-only values: the fake checks no signature. retry_max_delay 0 makes retries immediate.
AUTH_ARGS = {"access_key": "LTAIunitTestOnlyKey01", "secret_key": "unit-test-only-not-a-secret",
             "region": "cn-hangzhou", "endpoint": "http://127.0.0.1:9", "retry_max_delay": 0}


@pytest.fixture
def ecs(monkeypatch):
    """The fake ECS every client made during the test talks to."""
    # Imported here, not at the top: pytest loads a conftest named on its command line before pytest-ansible
    # puts ANSIBLE_COLLECTIONS_PATH on the import path.
    from ansible_collections.cloudwall.alicloud.plugins.module_utils._rpc import RpcSender
    from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import FakeEcs

    fake = FakeEcs()
    monkeypatch.setattr(RpcSender, "do_action_with_exception", lambda _client, request: fake.handle(request))
    # Credentials and endpoints of the person running the tests must not leak in.
    for name in list(os.environ):
        if name.startswith(("ALICLOUD_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name)
    return fake


@pytest.fixture
def run_module(ecs, capsys, monkeypatch):  # pylint: disable=redefined-outer-name,unused-argument
    """``run_module("sg", check_mode=False, diff=False, **args)`` -> the module's result dict.

    A failed run returns its result too (``result["failed"] is True``); ``auth`` replaces AUTH_ARGS entries
    (None removes one).
    """

    # A module runs on a target, not in the controller: its warnings then go into its result, as in production
    # (this test process has imported controller code, which would send them to the controller's display).
    monkeypatch.setattr(ansible_internal, "is_controller", False)

    def run(module_name, /, check_mode=False, diff=False, auth=None, **args):
        module = importlib.import_module("ansible_collections.cloudwall.alicloud.plugins.modules." + module_name)
        module_args = dict(AUTH_ARGS)
        module_args.update(auth or {})
        module_args = dict((key, value) for key, value in module_args.items() if value is not None)
        module_args.update(args)
        module_args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        capsys.readouterr()
        with patch_module_args(module_args):
            with pytest.raises(SystemExit) as exited:
                module.main()
        result = json.loads(capsys.readouterr().out)
        # ansible-core 2.19+ sends warnings as structured events; the controller shows their text.
        result["warnings"] = [item["event"]["msg"] if isinstance(item, dict) else item
                              for item in result.get("warnings", [])]
        # exit_json exits 0, fail_json 1: the two must agree with the printed result.
        assert (exited.value.code == 1) is bool(result.get("failed")), result
        return result

    return run


@pytest.fixture
def run_failing(run_module):  # pylint: disable=redefined-outer-name
    """Like run_module, for runs that must fail; returns the failure's result."""

    def run(module_name, /, **kwargs):
        result = run_module(module_name, **kwargs)
        assert result.get("failed") is True, result
        return result

    return run
