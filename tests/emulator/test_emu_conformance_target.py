# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The conformance suite's own machinery, proven on the emulator: a run removes everything it made even after a failed
check, and the side-by-side table marks where two targets answered differently."""

from __future__ import annotations

import pytest

from ansible_collections.cloudwall.alicloud.tests.conformance import conftest as conformance_conftest
from ansible_collections.cloudwall.alicloud.tests.conformance import target as conformance_target
from ansible_collections.cloudwall.alicloud.tests.conformance.test_conformance import membership_rules, own_group_reference
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import DEMO_SG_VPC, DEMO_WEB1


def test_cleanup_removes_everything_after_a_failed_check(emulator, admin, world):
    target = conformance_conftest._emulator_target(emulator)  # pylint: disable=protected-access
    own_group_reference(target)  # a group another run group references: deleting it needs the rules revoked first
    membership_rules(target)
    stranded = target.create_group("stranded")
    target.call("JoinSecurityGroup", SecurityGroupId=stranded, InstanceId=DEMO_WEB1)
    target.joined.append((stranded, DEMO_WEB1))
    target.authorize(stranded, {"IpProtocol": "tcp", "PortRange": "1/1", "SourceGroupId": target.groups[0]})
    with pytest.raises(AssertionError):
        assert target.rules(stranded) == [], "a check failing half-way"
    assert target.cleanup() == []
    names = [group["SecurityGroupName"] for group in admin.state()["security_groups"]]
    assert not [name for name in names if name.startswith(target.prefix)]
    assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]


class _Reporter:
    def __init__(self):
        self.lines = []

    def write_sep(self, _sep, title):
        self.lines.append(title)

    def write_line(self, line):
        self.lines.append(line)


def test_table_shows_both_answers_and_marks_differences(monkeypatch):
    monkeypatch.setattr(conformance_target, "OBSERVATIONS", {})
    conformance_target.record("a_check", "real", "400 InvalidParam.SourceIp")
    conformance_target.record("a_check", "emulator", "400 InvalidParam.SourceIp")
    conformance_target.record("b_check", "real", "404 InvalidSecurityGroup.NotFound")
    conformance_target.record("b_check", "emulator", "404 InvalidSecurityGroupId.NotFound")
    reporter = _Reporter()
    conformance_conftest.pytest_terminal_summary(reporter)
    header, first, second = reporter.lines[1].split(), reporter.lines[2].split(), reporter.lines[3].split()
    assert header == ["check", "real", "emulator", "same"]
    assert first[0] == "a_check" and first[-1] == "yes"
    assert second[0] == "b_check" and second[-1] == "NO"
