# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_audit through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import permission

WEB = "sg-aaaaaaaaaaaaaaaaaweb"
DB = "sg-aaaaaaaaaaaaaaaaadb1"


def seed(ecs):
    """web: SSH open to the Internet, one member; db: described, tagged, reachable from web only, no member."""
    ecs.add_group(WEB, "web", description="Web tier", tags={"tier": "web"},
                  permissions=[permission("sgr-ssh", 22), permission("sgr-https", 443)])
    ecs.add_group(DB, "db", description="Database tier", tags={"tier": "db"},
                  permissions=[permission("sgr-pg", 5432, cidr="", SourceGroupId=WEB)])
    ecs.add_instance("i-web1", [WEB])


def checks_of(result, group_id):
    return sorted(finding["check"] for finding in result["findings"] if finding["security_group_id"] == group_id)


def test_findings_and_summary_of_a_read_only_audit(ecs, run_module):
    seed(ecs)
    result = run_module("sg_audit")
    assert result["changed"] is False and result.get("failed") is None
    assert checks_of(result, WEB) == ["internet_sensitive_ports"]
    assert checks_of(result, DB) == ["group_without_members"]
    ssh = [finding for finding in result["findings"] if finding["check"] == "internet_sensitive_ports"][0]
    assert (ssh["severity"], ssh["rule_id"]) == ("high", "sgr-ssh")
    assert result["summary"]["by_severity"]["high"] == 1
    assert ecs.writes() == []


@pytest.mark.parametrize("fail_on, fails", [("none", False), ("low", True), ("high", True)])
def test_fail_on_fails_after_reading_everything(ecs, run_module, fail_on, fails):
    seed(ecs)
    result = run_module("sg_audit", fail_on=fail_on)
    assert bool(result.get("failed")) is fails
    # A failed audit still returns what it found.
    assert len(result["findings"]) == 2 and result["summary"]["by_severity"]["high"] == 1
    if fails:
        assert "(fail_on=%s)" % fail_on in result["msg"]


def test_disabled_checks_are_not_run(ecs, run_module):
    seed(ecs)
    result = run_module("sg_audit", disabled_checks=["group_without_members"])
    assert [finding["check"] for finding in result["findings"]] == ["internet_sensitive_ports"]


@pytest.mark.parametrize("name, marker", [("report.md", "flowchart LR"), ("report.json", '"findings"')])
def test_report_is_written_in_check_mode_too(ecs, run_module, tmp_path, name, marker):
    seed(ecs)
    path = tmp_path / name
    result = run_module("sg_audit", check_mode=True, report_path=str(path))
    assert result["changed"] is False
    text = path.read_text(encoding="utf-8")
    assert marker in text
    if name.endswith(".json"):
        assert len(json.loads(text)["findings"]) == 2


@pytest.mark.parametrize("scan, instance_reads", [("region", 1), ("group", 2)])
def test_member_scan_reads_the_scope_once_or_each_group(ecs, run_module, scan, instance_reads):
    seed(ecs)
    result = run_module("sg_audit", member_scan=scan)
    assert ecs.count("DescribeInstances") == instance_reads
    assert checks_of(result, DB) == ["group_without_members"]
    if scan == "region":
        [(_action, params)] = [call for call in ecs.calls if call[0] == "DescribeInstances"]
        assert params["VpcId"] == "vpc-aaaaaaaaaaaaaaaaaaaa"


def test_an_unknown_check_is_refused_before_any_call(ecs, run_failing):
    seed(ecs)
    result = run_failing("sg_audit", disabled_checks=["no_such_check"])
    assert "no_such_check" in result["msg"]
    assert ecs.calls == []
