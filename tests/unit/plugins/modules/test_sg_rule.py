# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_rule through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RULE_EGRESS_OPTIONS, RULE_OPTIONS
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import indexed, indexed_dicts, permission

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"
WEB_ID = "sg-aaaaaaaaaaaaaaaaaweb"
VPC = "vpc-1"
PAGING = ("MaxResults", "NextToken")


def tcp(ports, **given):
    """A rules element as a playbook writes it (the argument spec fills the other suboptions)."""
    return dict(given, protocol=given.pop("protocol", "tcp"), ports=ports)


def seed(ecs, permissions=(), group_type="normal"):
    ecs.add_group(GROUP_ID, "app", vpc_id=VPC, group_type=group_type, permissions=permissions)
    ecs.add_group(WEB_ID, "web", vpc_id=VPC)


@pytest.fixture
def run_rules(run_module):
    """sg_rule aimed at GROUP_ID unless a test names another group."""
    def run(**args):
        args.setdefault("security_group", GROUP_ID)
        return run_module("sg_rule", **args)
    return run


@pytest.fixture
def run_rules_failing(run_rules):
    def run(**args):
        result = run_rules(**args)
        assert result.get("failed") is True, result
        return result
    return run


# --- the documentation is the argument spec ----------------------------------------------------------------------

def _doc_spec(options):
    """The argument-spec view of documented options: what validate-modules compares."""
    spec = {}
    for name, doc in options.items():
        entry = dict((key, doc[key]) for key in ("type", "elements", "choices", "default", "aliases") if key in doc)
        if doc.get("required"):
            entry["required"] = True
        if "suboptions" in doc:
            entry["options"] = _doc_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def _code_spec(options):
    spec = {}
    for name, option in options.items():
        entry = dict((key, option[key]) for key in ("type", "elements", "choices", "default", "aliases", "required")
                     if option.get(key) is not None)
        if option.get("options"):
            entry["options"] = _code_spec(option["options"])
        spec[name] = entry
    return spec


def test_documented_options_match_the_argument_spec(ecs, run_rules, monkeypatch):
    # The spec main() hands AnsibleModule, caught on its way in.
    seen = {}
    real_init = basic.AnsibleModule.__init__

    def spying_init(self, argument_spec, *args, **kwargs):
        seen.update(argument_spec)
        real_init(self, argument_spec, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", spying_init)
    seed(ecs)
    run_rules(rules=[])
    own = ("security_group", "vpc_id", "rules", "rules_egress", "purge_rules", "purge_rules_egress", "state", "rule_quota")
    module = importlib.import_module("ansible_collections.cloudwall.alicloud.plugins.modules.sg_rule")
    documented = _doc_spec(yaml.safe_load(module.DOCUMENTATION)["options"])
    # rules has no sub-options in the argument spec (parse_rules validates them, once): its documented sub-options
    # are RULE_OPTIONS, the fields parse_rules accepts.
    assert "options" not in seen["rules"]
    assert documented["rules"].pop("options") == _code_spec(RULE_OPTIONS)
    # rules_egress documents the same fields, its direction always egress.
    assert "options" not in seen["rules_egress"]
    assert documented["rules_egress"].pop("options") == _code_spec(RULE_EGRESS_OPTIONS)
    assert documented == _code_spec(dict((name, option) for name, option in seen.items() if name in own))


@pytest.mark.parametrize("check_mode", [True, False])
def test_documented_rule_keys_are_those_the_module_returns(ecs, run_rules, check_mode):
    module = importlib.import_module("ansible_collections.cloudwall.alicloud.plugins.modules.sg_rule")
    contains = yaml.safe_load(module.RETURN)["rules"]["contains"]
    seed(ecs, permissions=[permission("sgr-22", 22)])
    result = run_rules(check_mode=check_mode, rules=[tcp(80, cidr="0.0.0.0/0")])
    assert len(result["rules"]) == 2
    for item in result["rules"]:
        assert sorted(item) == sorted(contains)


# --- peer groups ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rules, describes, peers", [
    pytest.param([], 0, [], id="none"),
    pytest.param([tcp(80, cidr="0.0.0.0/0")], 0, [], id="cidr-only"),
    pytest.param([tcp(80, group="web"), tcp(81, group=" web "), tcp(82, group=WEB_ID)], 1, [WEB_ID] * 3,
                 id="names-and-ids-resolved-once"),
    pytest.param([tcp(80, group="sg-x", group_owner_account="123")], 0, ["sg-x"], id="other-account"),
    pytest.param([tcp(80, group="sg-x", group_owner_id="123")], 0, ["sg-x"], id="other-account-id"),
])
def test_peer_groups_of_this_account_are_resolved(ecs, run_rules, rules, describes, peers):
    seed(ecs)
    run_rules(rules=rules)
    # Reads of this group alone learn its type; any other DescribeSecurityGroups looks peers up.
    lookups = [params for action, params in ecs.calls
               if action == "DescribeSecurityGroups" and indexed(params, "SecurityGroupIds") != [GROUP_ID]]
    assert len(lookups) == describes
    sent = [fields for _action, params in ecs.writes() for fields in indexed_dicts(params, "Permissions")]
    assert [fields.get("SourceGroupId") for fields in sent if fields.get("SourceGroupId")] == peers


def test_an_account_owner_is_sent_with_a_foreign_peer(ecs, run_rules):
    seed(ecs)
    run_rules(rules=[tcp(80, group="sg-x", group_owner_account="123")])
    [fields] = indexed_dicts(ecs.writes()[0][1], "Permissions")
    assert (fields["SourceGroupId"], fields["SourceGroupOwnerAccount"]) == ("sg-x", "123")


def test_a_rule_that_is_not_a_dict_is_refused_by_the_argument_spec(ecs, run_failing):
    seed(ecs)
    result = run_failing("sg_rule", security_group=GROUP_ID, rules=["junk"])
    assert "rules[0] is a str ('junk'); allowed: a dictionary" in result["msg"]
    assert ecs.calls == []


def test_a_blank_peer_group_is_a_bad_rule(ecs, run_rules_failing):
    seed(ecs)
    result = run_rules_failing(rules=[tcp(80, group="")])
    assert result["msg"].startswith("invalid rules: rules[0]")
    assert "a rule needs one peer" in result["msg"]
    assert ecs.calls == []


@pytest.mark.parametrize("rules, reads_type", [
    pytest.param([tcp(80, cidr="0.0.0.0/0")], False, id="accept-cidr"),
    pytest.param([tcp(80, cidr="0.0.0.0/0", policy="drop", priority=100)], True, id="drop"),
    pytest.param([tcp(80, group="web")], True, id="group-peer"),
    pytest.param([tcp(80, prefix_list="pl-1")], False, id="prefix-list"),
])
def test_the_group_type_is_read_only_when_a_rule_depends_on_it(ecs, run_rules, rules, reads_type):
    seed(ecs)
    run_rules(check_mode=True, rules=rules)
    own_reads = [params for action, params in ecs.calls
                 if action == "DescribeSecurityGroups" and GROUP_ID in indexed(params, "SecurityGroupIds")]
    by_vpc = [params for action, params in ecs.calls if action == "DescribeSecurityGroups" and "VpcId" in params]
    # Read before the plan when a rule depends on the type; otherwise once after it, since the plan writes (only
    # DescribeSecurityGroups tells a service-managed group). Never twice.
    assert len(own_reads) + len(by_vpc) == 1
    assert ecs.actions().index("DescribeSecurityGroups") == 1
    assert bool(by_vpc or reads_type) is reads_type


@pytest.fixture
def resolvable(ecs):
    """GROUP_ID plus groups named web, twin (twice) and one named like another's id."""
    ecs.add_group(GROUP_ID, "app", vpc_id=VPC)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa5", "web", vpc_id=VPC)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa6", "twin", vpc_id=VPC)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa7", "twin", vpc_id=VPC)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa8", "sg-aaaaaaaaaaaaaaaaaaa5", vpc_id=VPC)
    return ecs


@pytest.mark.parametrize("ref, expected", [
    pytest.param("sg-aaaaaaaaaaaaaaaaaaa5", "sg-aaaaaaaaaaaaaaaaaaa5", id="id-wins-over-an-equal-name"),
    pytest.param("web", "sg-aaaaaaaaaaaaaaaaaaa5", id="unique-name"),
    pytest.param("sg-aaaaaaaaaaaaaaaaaaa7", "sg-aaaaaaaaaaaaaaaaaaa7", id="id-of-a-twin"),
])
def test_peer_reference_resolves(resolvable, run_rules, ref, expected):
    run_rules(rules=[tcp(80, group=ref)])
    [fields] = indexed_dicts(resolvable.writes()[0][1], "Permissions")
    assert fields["SourceGroupId"] == expected


@pytest.mark.parametrize("ref, fragments", [
    pytest.param("nope", ["no security group with id or name nope in vpc-1"], id="missing"),
    pytest.param("twin", ["2 groups are named twin in vpc-1", "twin (sg-aaaaaaaaaaaaaaaaaaa6, vpc-1)",
                          "twin (sg-aaaaaaaaaaaaaaaaaaa7, vpc-1)", "give the id"], id="ambiguous"),
])
def test_peer_reference_refused(resolvable, run_rules_failing, ref, fragments):
    result = run_rules_failing(rules=[tcp(80, group=ref)])
    for fragment in fragments:
        assert fragment in result["msg"]
    assert resolvable.writes() == []


# --- what is sent, in which order --------------------------------------------------------------------------------

def test_writes_are_batched_adds_then_revokes_then_modifies(ecs, run_rules_failing):
    seed(ecs, permissions=[permission("sgr-22", 22), permission("sgr-443", 443, description="old"),
                           permission("sgr-25", 25, direction="egress")])
    # The last write fails, so the result lists every step's line: applied ones and the one that was not.
    ecs.fail("ModifySecurityGroupRule", "InvalidParameter", "refused by the fake")
    result = run_rules_failing(purge_rules=True, purge_rules_egress=True, rules=[
        tcp([str(port) for port in range(1000, 1150)], cidr="10.0.0.0/8"),
        tcp(443, cidr="0.0.0.0/0", description="new"),
        tcp(53, protocol="udp", direction="egress", cidr="10.0.0.2")])
    writes = ecs.writes()
    sizes = [len(indexed_dicts(params, "Permissions")) or len(indexed(params, "SecurityGroupRuleId")) or 1
             for _action, params in writes]
    assert list(zip([action for action, _params in writes], sizes)) == [
        ("AuthorizeSecurityGroup", 100), ("AuthorizeSecurityGroup", 50), ("AuthorizeSecurityGroupEgress", 1),
        ("RevokeSecurityGroup", 1), ("RevokeSecurityGroupEgress", 1), ("ModifySecurityGroupRule", 1)]
    assert all(params["SecurityGroupId"] == GROUP_ID for _action, params in writes)
    assert result["applied"][0] == "authorize ingress accept tcp 1000/1000 from 10.0.0.0/8 (intranet) priority 1"
    assert indexed(writes[3][1], "SecurityGroupRuleId") == ["sgr-22"]
    assert "revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1" in result["applied"]
    assert dict((key, writes[5][1].get(key)) for key in ("SecurityGroupId", "SecurityGroupRuleId", "Description")) == {
        "SecurityGroupId": GROUP_ID, "SecurityGroupRuleId": "sgr-443", "Description": "new"}
    assert result["not_applied"] == ['modify ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1: '
                                     'description "old" -> "new"']


def test_revokes_come_first_when_the_quota_demands_it(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-%d" % port, port) for port in range(1, 4)])
    run_rules(purge_rules=True, rule_quota=4, rules=[tcp(["80", "81"], cidr="0.0.0.0/0")])
    assert ecs.write_actions() == ["RevokeSecurityGroup", "AuthorizeSecurityGroup"]
    assert sorted(item["PortRange"] for item in ecs.groups[GROUP_ID]["Permissions"]) == ["80/80", "81/81"]


def test_an_egress_description_change_names_the_peer_group(ecs, run_rules_failing):
    seed(ecs, permissions=[permission("sgr-1", 5432, direction="egress", description="a", cidr="", DestGroupId=WEB_ID,
                                      DestGroupName="web")])
    ecs.fail("ModifySecurityGroupEgressRule", "InvalidParameter", "refused by the fake")
    result = run_rules_failing(rules=[tcp(5432, direction="egress", group=WEB_ID, description="b")])
    assert ecs.write_actions() == ["ModifySecurityGroupEgressRule"]
    assert result["not_applied"] == ['modify egress accept tcp 5432/5432 to web (intranet) priority 1: description "a" -> "b"']


def test_check_mode_predicts_the_rules_after_the_run(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-22", 22), permission("sgr-443", 443, description="old")])
    args = dict(purge_rules=True, rules=[tcp(443, cidr="0.0.0.0/0", description="new"),
                                         tcp(53, protocol="udp", cidr="10.0.0.0/8")])
    after = run_rules(check_mode=True, **args)["rules"]
    assert [(item["security_group_rule_id"], item["port_range"], item["description"]) for item in after] == [
        ("sgr-443", "443/443", "new"), ("", "53/53", "")]
    assert after[1]["ip_protocol"] == "udp" and after[1]["create_time"] == ""
    done = run_rules(**args)["rules"]
    # The real run reports the same rules; only what the API assigns is new.
    assert [(item["port_range"], item["description"], item["ip_protocol"]) for item in done] == [
        (item["port_range"], item["description"], item["ip_protocol"]) for item in after]


# --- the module on a fake ECS ----------------------------------------------------------------------------------

def test_group_by_id_with_cidr_rules_reads_once_then_only_writes(ecs, run_rules):
    seed(ecs)
    result = run_rules(rules=[tcp(["80", "443"], cidr="0.0.0.0/0")])
    # DescribeSecurityGroups only because the plan writes: it tells a service-managed group, which refuses writes.
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup"]
    assert result["changed"] is True and result["security_group_id"] == GROUP_ID
    # The plan's result: new rules have no id yet (the API does not return them).
    assert [(item["port_range"], item["security_group_rule_id"]) for item in result["added"]] == [("80/80", ""), ("443/443", "")]
    assert result["rules"] == result["added"]


def test_no_change_costs_one_read(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-80", 80)])
    result = run_rules(rules=[tcp(80, cidr="0.0.0.0/0")])
    assert ecs.actions() == ["DescribeSecurityGroupAttribute"]
    assert result["changed"] is False
    assert [item["security_group_rule_id"] for item in result["rules"]] == ["sgr-80"]


def test_a_second_run_changes_nothing(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-22", 22)])
    args = dict(purge_rules=True, rules=[tcp(["80", "443"], cidr="0.0.0.0/0"), tcp(6379, group="web")])
    assert run_rules(**args)["changed"] is True
    writes = len(ecs.writes())
    assert run_rules(**args)["changed"] is False
    assert len(ecs.writes()) == writes


def test_peer_names_and_ids_are_resolved_with_one_describe(ecs, run_rules):
    seed(ecs)
    run_rules(rules=[tcp(80, group="web"), tcp(81, group=WEB_ID)])
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup"]
    assert dict((key, value) for key, value in ecs.calls[1][1].items() if key not in PAGING) == {"VpcId": VPC}
    assert [fields["SourceGroupId"] for fields in indexed_dicts(ecs.calls[2][1], "Permissions")] == [WEB_ID, WEB_ID]


def test_drop_rules_read_the_group_type_and_enterprise_groups_refuse_them(ecs, run_rules_failing):
    seed(ecs, group_type="enterprise")
    result = run_rules_failing(rules=[tcp(22, cidr="0.0.0.0/0", policy="drop", priority=100)])
    assert "enterprise" in result["msg"]
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]
    assert ecs.calls[1][1]["SecurityGroupIds"] == json.dumps([GROUP_ID])


def test_group_by_name_is_found_then_read(ecs, run_rules):
    seed(ecs)
    result = run_rules(security_group="app", vpc_id=VPC, rules=[])
    assert ecs.actions() == ["DescribeSecurityGroups", "DescribeSecurityGroupAttribute"]
    assert result["security_group_id"] == GROUP_ID


def test_group_in_another_vpc_than_vpc_id_fails_before_writes(ecs, run_rules_failing):
    seed(ecs)
    result = run_rules_failing(vpc_id="vpc-2", rules=[tcp(80, cidr="0.0.0.0/0")])
    assert "is in vpc-1, not in vpc_id vpc-2" in result["msg"]
    assert ecs.writes() == []


def test_a_bad_rule_fails_before_any_call_naming_every_problem(ecs, run_rules_failing):
    seed(ecs)
    result = run_rules_failing(rules=[tcp(80, cidr="0.0.0.0/0"), tcp("0-10", cidr="0.0.0.0/0"),
                                      tcp(53, protocol="udp", cidr="300.0.0.0/8", priority=0)])
    assert ecs.calls == []
    assert result["msg"].startswith("invalid rules: rules[1]")
    assert len(result["problems"]) == 3
    assert 'ports="0-10"' in result["problems"][0] and 'cidr="300.0.0.0/8"' in result["problems"][1]
    assert "priority=0" in result["problems"][2]


def test_the_argument_spec_refuses_an_unknown_protocol_before_any_call(ecs, run_rules_failing):
    seed(ecs)
    result = run_rules_failing(rules=[tcp(80, protocol="sctp", cidr="0.0.0.0/0")])
    assert "protocol" in result["msg"] and "sctp" in result["msg"]
    assert ecs.calls == []


def test_check_mode_predicts_without_writing(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-22", 22), permission("sgr-443", 443, description="old")])
    result = run_rules(check_mode=True, diff=True, purge_rules=True,
                       rules=[tcp(["80", "443"], cidr="0.0.0.0/0", description="web")])
    assert ecs.writes() == [] and ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]
    assert result["changed"] is True
    assert [item["port_range"] for item in result["added"]] == ["80/80"]
    assert [item["security_group_rule_id"] for item in result["removed"]] == ["sgr-22"]
    assert [(item["security_group_rule_id"], item["description"]) for item in result["modified"]] == [("sgr-443", "web")]
    assert result["diff"]["before"] == ('ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1\n'
                                        'ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1 "old"\n')
    assert result["diff"]["after"] == ('ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1 "web"\n'
                                       'ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1 "web"\n')


def test_state_absent_revokes_only_existing_listed_rules(ecs, run_rules):
    seed(ecs, permissions=[permission("sgr-22", 22), permission("sgr-443", 443)])
    result = run_rules(state="absent", rules=[tcp(["22", "8080"], cidr="0.0.0.0/0")])
    assert ecs.write_actions() == ["RevokeSecurityGroup"]
    assert indexed(ecs.calls[-1][1], "SecurityGroupRuleId") == ["sgr-22"]
    assert [item["security_group_rule_id"] for item in result["rules"]] == ["sgr-443"]


def test_vpc_group_warns_about_internet_nic_type(ecs, run_rules):
    seed(ecs)
    result = run_rules(check_mode=True, rules=[tcp(80, cidr="0.0.0.0/0", nic_type="internet")])
    assert any("using intranet" in warning for warning in result["warnings"])
    assert result["added"][0]["nic_type"] == "intranet"


def test_failure_in_the_middle_reports_applied_and_not_applied(ecs, run_rules_failing):
    seed(ecs, permissions=[permission("sgr-22", 22)])
    ecs.fail("RevokeSecurityGroup", "Throttling", "Request was denied due to request throttling.")
    result = run_rules_failing(purge_rules=True, rules=[tcp(80, cidr="0.0.0.0/0")])
    assert result["changed"] is True
    assert result["applied"] == ["authorize ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1"]
    assert result["not_applied"] == ["revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1"]
    assert result["error"]["code"] == "Throttling" and result["error"]["request_id"] == "FAKE-REQUEST-0001"
    # Throttling is retried: the first attempt and the 8 retries of the default `retries`.
    assert result["error"]["attempts"] == 9 and ecs.count("RevokeSecurityGroup") == 9
    assert result["msg"].startswith("RevokeSecurityGroup failed: Throttling")
    assert "1 of 2 changes were applied" in result["msg"]


def test_failure_of_the_first_call_reports_nothing_applied(ecs, run_rules_failing):
    seed(ecs)
    ecs.fail("AuthorizeSecurityGroup", "AuthorizationLimitExceed", "quota", http_status=403)
    result = run_rules_failing(rules=[tcp(80, cidr="0.0.0.0/0")])
    assert result["changed"] is False and result["applied"] == []
    assert len(result["not_applied"]) == 1


@pytest.mark.parametrize("retried", [pytest.param(True, id="retried-so-first-attempt-went-through"),
                                     pytest.param(False, id="another-writer-got-there-first")])
def test_revoke_of_rules_already_gone_is_done(ecs, run_rules, retried):
    # A rule that is already gone is the declared end state, whether the first answer was lost or not.
    seed(ecs, permissions=[permission("sgr-22", 22)])
    if retried:
        # The first answer is lost (a 5xx), the retry finds the rule gone.
        ecs.fail("RevokeSecurityGroup", "ServiceUnavailable", http_status=503, times=1)
    ecs.fail("RevokeSecurityGroup", "InvalidSecurityGroupRuleId.NotFound", "gone", http_status=404, times=1)
    result = run_rules(state="absent", rules=[tcp(22, cidr="0.0.0.0/0")])
    assert result.get("failed") is None and result["changed"] is True
    # "Already done" makes the run read again (only some of a batch may have been gone); this fake still holds
    # the rule after its scripted refusal, so the read finds it and one more revoke removes it.
    assert ecs.count("RevokeSecurityGroup") == (3 if retried else 2)
    assert ecs.count("DescribeSecurityGroupAttribute") == 3 and ecs.groups[GROUP_ID]["Permissions"] == []


def test_a_write_refused_for_another_reason_still_fails(ecs, run_rules_failing):
    seed(ecs, permissions=[permission("sgr-22", 22)])
    ecs.fail("RevokeSecurityGroup", "InvalidSecurityGroupId.NotFound", "the group is gone", http_status=404)
    result = run_rules_failing(state="absent", rules=[tcp(22, cidr="0.0.0.0/0")])
    assert result["not_applied"] == ["revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1"]
    assert result["error"]["code"] == "InvalidSecurityGroupId.NotFound"


def test_id_like_name_falls_back_to_a_name_lookup(ecs, run_rules):
    ecs.add_group(GROUP_ID, "sg-legacy", vpc_id=VPC)
    result = run_rules(security_group="sg-legacy", rules=[])
    assert result["security_group_id"] == GROUP_ID
    assert ecs.actions()[0] == "DescribeSecurityGroupAttribute" and ecs.actions()[-1] == "DescribeSecurityGroupAttribute"
