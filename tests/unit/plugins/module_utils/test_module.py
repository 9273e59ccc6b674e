# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AlicloudModule: argument spec, lazy client, results, and how failures reach the user."""

from __future__ import annotations

import json

import pytest
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rpc import ServerError as ServerException
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client as client_module
from ansible_collections.cloudwall.alicloud.plugins.module_utils._client import AUTH_ARGUMENT_SPEC, EcsClient
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule

SECRET = "TopSecretValue123"
AUTH_ARGS = {"access_key": "LTAIkey", "secret_key": SECRET, "region": "cn-hangzhou", "endpoint": "127.0.0.1:9"}
CREDENTIAL_ENV = ("ALICLOUD_ACCESS_KEY", "ALICLOUD_ACCESS_KEY_ID", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECRET_ACCESS_KEY",
                  "ALICLOUD_REGION", "ALICLOUD_REGION_ID", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                  "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE", "ALICLOUD_SHARED_CREDENTIALS_FILE",
                  "ALICLOUD_ECS_ROLE_NAME", "ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ENDPOINT")


class ModuleExit(Exception):
    def __init__(self, kind, result):
        super().__init__(kind)
        self.kind = kind
        self.result = result


@pytest.fixture
def exits(monkeypatch):
    """exit_json/fail_json raise ModuleExit carrying the result instead of printing and exiting."""
    def exit_json(self, **kwargs):
        raise ModuleExit("exit", kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise ModuleExit("fail", kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aliyun/config.json


class FakeAcs:
    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.actions = []

    def do_action_with_exception(self, request):
        self.actions.append(request.get_action_name())
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return json.dumps(outcome).encode("utf-8")


class DescriptionModule(AlicloudModule):
    """A minimal module: set a group's description, the way real modules plan and apply."""

    result_key = "security_group"
    fake_acs = None
    clients_built = 0

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(security_group_id=dict(type="str", required=True), description=dict(type="str", required=True))
        return spec

    def _build_client(self):
        type(self).clients_built += 1
        if self.fake_acs is None:
            return super()._build_client()
        return EcsClient(self.fake_acs, "cn-hangzhou", retries=0, identity="access_key %s from options" % self.params["access_key"])

    def run(self):
        description = self.params["description"]
        if not 2 <= len(description) <= 256:
            self.fail("description must have 2 to 256 characters, got %d" % len(description))
        group_id = self.params["security_group_id"]
        current = self.call("DescribeSecurityGroupAttribute", {"SecurityGroupId": group_id})
        before = {"security_group_id": group_id, "description": current["Description"]}
        after = dict(before, description=description)
        self.diff = {"before": before, "after": after}
        self.result_value = after
        if before != after:
            self.changed = True
            if not self.check_mode:
                self.call("ModifySecurityGroupAttribute", {"SecurityGroupId": group_id, "Description": description})
                self.extra_results["modified"] = True
                self.call("DescribeSecurityGroupAttribute", {"SecurityGroupId": group_id})


def run(args, fake_acs=None):
    DescriptionModule.fake_acs = fake_acs
    DescriptionModule.clients_built = 0
    with patch_module_args(args):
        with pytest.raises(ModuleExit) as caught:
            DescriptionModule.run_module()
    return caught.value


def group(description):
    return {"RequestId": "R", "SecurityGroupId": "sg-1", "Description": description}


def test_base_module_spec_is_a_copy_with_check_mode():
    spec = AlicloudModule.base_module_spec()
    assert spec["supports_check_mode"] is True
    assert spec["argument_spec"] == AUTH_ARGUMENT_SPEC
    spec["argument_spec"]["region"]["aliases"].append("changed")
    assert "changed" not in AUTH_ARGUMENT_SPEC["region"]["aliases"]


def test_secret_options_are_no_log():
    assert [name for name, option in AUTH_ARGUMENT_SPEC.items() if option.get("no_log")] == ["secret_key", "security_token"]
    # The access key id is an identifier that errors must be able to name, so it is explicitly not masked.
    assert AUTH_ARGUMENT_SPEC["access_key"]["no_log"] is False


@pytest.mark.parametrize(
    "extra_args, outcomes, expected_actions, expected_result",
    [
        # change applied
        ({}, [group("old"), {"RequestId": "R"}, group("new text")],
         ["DescribeSecurityGroupAttribute", "ModifySecurityGroupAttribute", "DescribeSecurityGroupAttribute"],
         {"changed": True, "modified": True, "security_group": {"security_group_id": "sg-1", "description": "new text"}}),
        # check mode predicts the change and writes nothing
        ({"_ansible_check_mode": True}, [group("old")], ["DescribeSecurityGroupAttribute"],
         {"changed": True, "security_group": {"security_group_id": "sg-1", "description": "new text"}}),
        # already right
        ({}, [group("new text")], ["DescribeSecurityGroupAttribute"],
         {"changed": False, "security_group": {"security_group_id": "sg-1", "description": "new text"}}),
    ],
)
def test_run_module_results(exits, extra_args, outcomes, expected_actions, expected_result):
    fake_acs = FakeAcs(*outcomes)
    outcome = run(dict(AUTH_ARGS, security_group_id="sg-1", description="new text", **extra_args), fake_acs)
    assert outcome.kind == "exit"
    assert outcome.result == expected_result
    assert fake_acs.actions == expected_actions


def test_diff_mode_returns_before_and_after(exits):
    outcome = run(dict(AUTH_ARGS, security_group_id="sg-1", description="new text", _ansible_diff=True), FakeAcs(group("old"), {}, group("x")))
    assert outcome.result["diff"] == {"before": {"security_group_id": "sg-1", "description": "old"},
                                      "after": {"security_group_id": "sg-1", "description": "new text"}}


def test_validation_fails_before_any_client_exists(exits):
    outcome = run(dict(AUTH_ARGS, security_group_id="sg-1", description="x"), FakeAcs())
    assert outcome.kind == "fail"
    assert outcome.result == {"msg": "description must have 2 to 256 characters, got 1", "changed": False}
    assert DescriptionModule.clients_built == 0


@pytest.mark.parametrize(
    "args, option, fragment",
    [
        ({"access_key": "A", "secret_key": "S", "security_group_id": "sg-1", "description": "ok"}, "region", "No region set"),
        ({"region": "cn-hangzhou", "security_group_id": "sg-1", "description": "ok"}, "access_key", "No Alibaba Cloud credentials"),
        (dict(AUTH_ARGS, endpoint="gopher://x", security_group_id="sg-1", description="ok"), "endpoint", "scheme gopher"),
    ],
)
def test_configuration_errors_fail_naming_the_option(exits, args, option, fragment):
    outcome = run(args)
    assert outcome.kind == "fail"
    assert outcome.result["option"] == option
    assert fragment in outcome.result["msg"]
    assert outcome.result["msg"].endswith("(option %s)" % option)
    assert outcome.result["changed"] is False


def test_api_error_fails_with_fields_and_partial_result(exits):
    conflict = ServerException("InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.",
                               http_status=404, request_id="REQ-1")
    outcome = run(dict(AUTH_ARGS, security_group_id="sg-1", description="new text"), FakeAcs(group("old"), {"RequestId": "R"}, conflict))
    assert outcome.kind == "fail"
    assert outcome.result == {
        "msg": "DescribeSecurityGroupAttribute failed: InvalidSecurityGroupId.NotFound: The specified SecurityGroupId does not exist. "
               "(RequestId: REQ-1)",
        "error": {"action": "DescribeSecurityGroupAttribute", "code": "InvalidSecurityGroupId.NotFound",
                  "message": "The specified SecurityGroupId does not exist.", "request_id": "REQ-1", "http_status": 404, "attempts": 1},
        # the modification went through before the failure: the user must see changed
        "changed": True,
        "modified": True,
        "security_group": {"security_group_id": "sg-1", "description": "new text"},
    }


def test_missing_sdk_fails_with_missing_required_lib_for_role_credentials(exits, monkeypatch):
    # The SDK is looked for when a RAM role client is built (load_sdk), not when the module starts.
    monkeypatch.setattr(client_module, "HAS_SDK", False)
    monkeypatch.setattr(client_module, "SDK_IMPORT_ERROR", "Traceback: No module named aliyunsdkcore")
    role_args = dict(AUTH_ARGS, access_key=None, secret_key=None, ecs_role_name="ops-role")
    outcome = run(dict(role_args, security_group_id="sg-1", description="ok"))
    assert outcome.kind == "fail"
    assert "aliyun-python-sdk-core and aliyun-python-sdk-ecs" in outcome.result["msg"]
    assert outcome.result["exception"] == "Traceback: No module named aliyunsdkcore"


def test_secrets_are_masked_in_real_module_output(capsys):
    class LeakyModule(DescriptionModule):
        def run(self):
            self.result_value = {"echo": self.params["secret_key"]}
            self.diff = {"before": {}, "after": {"echo": self.params["secret_key"]}}

    with patch_module_args(dict(AUTH_ARGS, security_group_id="sg-1", description="ok", _ansible_diff=True)):
        with pytest.raises(SystemExit):
            LeakyModule.run_module()
    output = capsys.readouterr().out
    assert SECRET not in output
    assert json.loads(output)["security_group"]["echo"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_base_run_is_abstract():
    class Incomplete(AlicloudModule):
        pass

    class FakeAnsibleModule:
        params = {}
        check_mode = False

    with pytest.raises(NotImplementedError):
        Incomplete(FakeAnsibleModule()).run()


@pytest.mark.parametrize("code, names_the_key", [
    ("InvalidAccessKeyId.NotFound", True),
    ("SignatureDoesNotMatch", True),
    ("InvalidSecurityToken.Expired", True),
    ("InvalidSecurityGroupId.NotFound", False),
])
def test_refused_credentials_name_the_access_key_and_its_source(exits, code, names_the_key):
    refused = ServerException(code, "refused", http_status=400, request_id="REQ-2")
    outcome = run(dict(AUTH_ARGS, security_group_id="sg-1", description="new text"), FakeAcs(refused))
    assert outcome.kind == "fail"
    hint = "signed with access_key %s from options" % AUTH_ARGS["access_key"]
    assert (hint in outcome.result["msg"]) is names_the_key, outcome.result["msg"]
    assert AUTH_ARGS["secret_key"] not in outcome.result["msg"]
