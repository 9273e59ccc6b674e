# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_reachability through main() on the shared fake ECS: answers, requests, check mode,
the expect gate and bad input before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import permission

WEB, REDIS = "sg-aaaaaaaaaaaaaaaaaweb", "sg-aaaaaaaaaaaaaaredis"


def seed(ecs):
    ecs.add_group(WEB, "web", permissions=[permission("sgr-web80", 80)])
    ecs.add_group(REDIS, "redis", policy="Drop", permissions=[
        permission("sgr-fromweb", 6379, cidr="", SourceGroupId=WEB, Description="Web tier reaches Redis"),
        permission("sgr-dropall", 6379, policy="Drop", priority=100)])
    ecs.add_instance("i-web", [WEB])
    ecs.add_instance("i-redis", [REDIS])


def test_answers_name_the_deciding_rule_with_one_read_of_each_thing(ecs, run_module):
    seed(ecs)
    result = run_module("sg_reachability", check_mode=True, diff=True, source="i-web", destination="i-redis", port=[6379, 22])
    assert [(row["port"], row["reachable"], row["decided_by"]["rule_id"] or row["decided_by"]["default"])
            for row in result["reachability"]] == [(6379, True, "sgr-fromweb"), (22, False, "ingress_default_deny")]
    assert result["changed"] is False and "diff" not in result
    assert ecs.writes() == []
    assert sorted(ecs.actions()) == ["DescribeInstances", "DescribeSecurityGroupAttribute", "DescribeSecurityGroupAttribute",
                                     "DescribeSecurityGroups"]


def test_a_group_destination_is_each_member(ecs, run_module):
    seed(ecs)
    ecs.add_instance("i-redis2", [REDIS])
    result = run_module("sg_reachability", source="internet", destination=REDIS, port=6379)
    assert [(row["destination"]["id"], row["reachable"], row["decided_by"]["rule_id"]) for row in result["reachability"]] == [
        ("i-redis", False, "sgr-dropall"), ("i-redis2", False, "sgr-dropall")]
    assert ecs.count("DescribeInstances") == 1 and ecs.count("DescribeNetworkInterfaces") == 1


def test_expect_fails_listing_what_does_not_hold(ecs, run_module):
    seed(ecs)
    result = run_module("sg_reachability", expect=[
        {"source": "i-web", "destination": "i-redis", "port": 6379, "reachable": False},
        {"source": "internet", "destination": "i-web", "port": 80, "reachable": True}])
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 2 intents do not hold: expect[0] expects not reachable, but i-web -> i-redis tcp 6379")
    assert "accept rule sgr-fromweb of redis (%s), priority 1" % REDIS in result["msg"]
    assert [intent["holds"] for intent in result["intents"]] == [False, True]


def test_bad_input_fails_before_any_request(ecs, run_module):
    result = run_module("sg_reachability", source="i-web", destination="10.0.0.0/8", port=0)
    assert result["failed"] is True
    assert result["msg"] == ("destination is '10.0.0.0/8', which has no security groups; allowed: an instance (i-...) or "
                             "network interface (eni-...) id, a security group id (sg-...), or the name of a group, an "
                             "instance or a network interface; port has 0; allowed: a port from 1 to 65535, for tcp and udp only")
    assert ecs.calls == []


def test_an_id_that_names_nothing_fails_naming_its_option(ecs, run_module):
    seed(ecs)
    result = run_module("sg_reachability", source="i-web", destination="i-nope", port=6379)
    assert result["failed"] is True and result["candidates"] == []
    assert result["msg"].startswith("destination: no instance has the id 'i-nope' in this region; allowed: an instance (i-...)")
    assert ecs.actions() == ["DescribeInstances"]


def test_a_partly_open_destination_holds_neither_intent(ecs, run_module):
    # Redis open to one intranet /24 and one Internet /24: the Internet and the intranet /12 get in only in part.
    ecs.add_group(REDIS, "redis", policy="Drop", permissions=[
        permission("sgr-app", 6379, cidr="172.16.1.0/24"), permission("sgr-office", 6379, cidr="203.0.113.0/24"),
        permission("sgr-dropall", 6379, policy="Drop", priority=100)])
    ecs.add_instance("i-redis", [REDIS])
    rows = run_module("sg_reachability", source="internet", destination="i-redis", port=6379)["reachability"]
    assert [(row["reachable"], row["partial"], row["reachable_from"], row["decided_by"]["rule_id"]) for row in rows] == [
        (None, True, ["203.0.113.0/24"], "sgr-office")]
    result = run_module("sg_reachability", expect=[
        {"source": "internet", "destination": "i-redis", "port": 6379, "reachable": False},
        {"source": "172.16.0.0/12", "destination": "i-redis", "port": 6379, "reachable": True},
        {"source": "172.16.1.0/25", "destination": "i-redis", "port": 6379, "reachable": True}])
    assert result["failed"] is True
    assert [intent["holds"] for intent in result["intents"]] == [False, False, True]
    assert result["msg"].startswith(
        "2 of 3 intents do not hold: expect[0] expects not reachable, but internet -> i-redis tcp 6379: partly reachable; "
        "from 203.0.113.0/24: ingress: accept rule sgr-office of redis (%s), priority 1, tcp 6379/6379 from 203.0.113.0/24; "
        "not from 0.0.0.0/0 except 203.0.113.0/24: ingress: drop rule sgr-dropall of redis (%s), priority 100" % (REDIS, REDIS))
    assert ("expect[1] expects reachable, but 172.16.0.0/12 -> i-redis tcp 6379: partly reachable; from 172.16.1.0/24: "
            "ingress: accept rule sgr-app of redis (%s)" % REDIS) in result["msg"]
