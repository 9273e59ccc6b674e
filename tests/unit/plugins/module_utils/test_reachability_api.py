# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sg_reachability's reads: names of groups, instances and network interfaces resolved with the fewest requests,
ambiguous names refused naming the candidates, and the expect gate on partial answers. The shared fake ECS of the
module tests keeps no names, so these run on recorded API items."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._reachability_api import ReachabilityLookupError, ReachabilityQuery
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.module_utils.test_groups import FakeClient

VPC = "vpc-1"
REDIS_GROUP = {"SecurityGroupId": "sg-redis", "SecurityGroupName": "redis", "VpcId": VPC, "SecurityGroupType": "normal"}
APP_GROUP = {"SecurityGroupId": "sg-app", "SecurityGroupName": "app", "VpcId": VPC, "SecurityGroupType": "normal"}
REDIS = {"InstanceId": "i-redis", "InstanceName": "redis-1", "VpcAttributes": {"VpcId": VPC, "PrivateIpAddress": {"IpAddress": ["172.16.1.21"]}},
         "SecurityGroupIds": {"SecurityGroupId": ["sg-redis"]}}
APP = {"InstanceId": "i-app", "InstanceName": "app-1", "VpcAttributes": {"VpcId": VPC, "PrivateIpAddress": {"IpAddress": ["172.16.1.31"]}},
       "SecurityGroupIds": {"SecurityGroupId": ["sg-app"]}}
# DescribeNetworkInterfaces items (NetworkInterfaceSets.NetworkInterfaceSet), as the API answers them.
APP_ENI = {"NetworkInterfaceId": "eni-app1", "NetworkInterfaceName": "app-eni", "VpcId": VPC, "Type": "Secondary",
           "PrivateIpAddress": "172.16.1.40", "SecurityGroupIds": {"SecurityGroupId": ["sg-app"]},
           "Ipv6Sets": {"Ipv6Set": [{"Ipv6Address": "2408:4000::40"}]}}
OTHER_APP_ENI = dict(APP_ENI, NetworkInterfaceId="eni-app2", VpcId="vpc-2", PrivateIpAddress="172.16.1.41")
RULES = {
    "sg-redis": [{"SecurityGroupRuleId": "sgr-app", "Direction": "ingress", "IpProtocol": "TCP", "PortRange": "6379/6379",
                  "SourceGroupId": "sg-app", "Policy": "Accept", "Priority": 1, "NicType": "intranet"},
                 {"SecurityGroupRuleId": "sgr-office", "Direction": "ingress", "IpProtocol": "TCP", "PortRange": "6379/6379",
                  "SourceCidrIp": "203.0.113.0/24", "Policy": "Accept", "Priority": 1, "NicType": "intranet"},
                 {"SecurityGroupRuleId": "sgr-drop", "Direction": "ingress", "IpProtocol": "TCP", "PortRange": "6379/6379",
                  "SourceCidrIp": "0.0.0.0/0", "Policy": "Drop", "Priority": 100, "NicType": "intranet"}],
    "sg-app": [],
}


def responder(groups=(REDIS_GROUP, APP_GROUP), instances=(REDIS, APP), interfaces=(APP_ENI, OTHER_APP_ENI)):
    """The API over recorded items: the id, name and VPC filters these reads send."""
    def matches(item, params, name_key, id_key, vpc):
        ids = params.get(id_key)
        return ((ids is None or item[id_key.rstrip("s")] in ids) and params.get(name_key, item.get(name_key)) == item.get(name_key)
                and params.get("VpcId", vpc) == vpc)

    def answer(action, params):
        if action == "DescribeSecurityGroups":
            found = [item for item in groups if matches(item, params, "SecurityGroupName", "SecurityGroupIds", item["VpcId"])]
            return {"SecurityGroups": {"SecurityGroup": found}}
        if action == "DescribeInstances":
            found = [item for item in instances
                     if matches(item, params, "InstanceName", "InstanceIds", item["VpcAttributes"]["VpcId"])]
            return {"Instances": {"Instance": found}}
        if action == "DescribeNetworkInterfaces":
            found = [item for item in interfaces if matches(item, params, "NetworkInterfaceName", "NetworkInterfaceId", item["VpcId"])]
            return {"NetworkInterfaceSets": {"NetworkInterfaceSet": found}}
        assert action == "DescribeSecurityGroupAttribute", action
        return {"VpcId": VPC, "InnerAccessPolicy": "Accept", "Permissions": {"Permission": RULES[params["SecurityGroupId"]]}}
    return answer


def query(**params):
    values = dict(source=None, destination=None, protocol="tcp", port=[6379], ip_version=4, vpc_id=None, prefix_lists=None,
                  matrix=None, expect=None)
    values.update(params)
    built = ReachabilityQuery(values)
    assert built.validate() == []
    return built


# (source, vpc_id, lookups of the name in order, endpoint kind and id)
NAME_CASES = [
    # An interface's name costs one lookup per kind until one has it: group, instance, interface.
    ("app-eni", VPC, ["DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces"], ("eni", "eni-app1")),
    # An instance's name stops before the interfaces.
    ("app-1", None, ["DescribeSecurityGroups", "DescribeInstances"], ("instance", "i-app")),
    # A group's name stops at once (any member of it).
    ("app", None, ["DescribeSecurityGroups"], ("group", "sg-app")),
]


@pytest.mark.parametrize("source, vpc_id, lookups, endpoint", NAME_CASES)
def test_a_name_is_a_groups_then_an_instances_then_an_interfaces(source, vpc_id, lookups, endpoint):
    client = FakeClient(responder())
    built = query(source=source, destination="i-redis", vpc_id=vpc_id)
    built.read(client)
    found = built.endpoints[source][0]
    assert (found.kind, found.endpoint_id) == endpoint
    # First the destination by id, then the name's lookups, then the groups not read yet and the rules of each.
    name_lookups = [(action, params) for action, params in client.calls
                    if set(params) & set(["SecurityGroupName", "InstanceName", "NetworkInterfaceName"])]
    assert [action for action, _params in name_lookups] == lookups
    assert all(params.get("VpcId") == vpc_id for _action, params in name_lookups)
    assert client.actions().count("DescribeSecurityGroupAttribute") == 2
    # One DescribeInstances for the destination, the lookups, one DescribeSecurityGroups for the groups not read yet.
    assert len(client.calls) == 1 + len(lookups) + 1 + 2
    row = built.answer_pair()[0]
    assert (row["reachable"], row["decided_by"]["rule_id"]) == (True, "sgr-app")


def test_an_interfaces_addresses_include_its_ipv6_ones():
    built = query(source="app-eni", destination="i-redis", vpc_id=VPC)
    built.read(FakeClient(responder()))
    assert built.endpoints["app-eni"][0].addresses == ("172.16.1.40", "2408:4000::40")


@pytest.mark.parametrize("source, vpc_id, message, candidates", [
    ("app-eni", None, "'app-eni' is the name of 2 network interfaces: app-eni (eni-app1), app-eni (eni-app2); give the id "
                      "or set vpc_id", ["app-eni (eni-app1)", "app-eni (eni-app2)"]),
    ("nothing", VPC, "no security group, instance or network interface has the name 'nothing' in vpc-1; allowed: an instance "
                     "(i-...) or network interface (eni-...) id, a security group id (sg-...), the name of a group, an instance "
                     "or a network interface, a CIDR block or an address, or internet", []),
    ("eni-gone", None, "no network interface has the id 'eni-gone' in this region; allowed: an instance", []),
])
def test_a_name_that_is_not_one_thing_fails_naming_the_option_and_candidates(source, vpc_id, message, candidates):
    with pytest.raises(ReachabilityLookupError) as raised:
        query(source=source, destination="i-redis", vpc_id=vpc_id).read(FakeClient(responder()))
    assert (raised.value.option, raised.value.candidates) == ("source", candidates)
    assert str(raised.value).startswith(message)


def test_a_partial_answer_holds_no_intent():
    built = query(expect=[
        {"source": "internet", "destination": "i-redis", "port": 6379, "protocol": "tcp", "reachable": False},
        {"source": "internet", "destination": "i-redis", "port": 6379, "protocol": "tcp", "reachable": True},
        {"source": "203.0.113.0/24", "destination": "i-redis", "port": 6379, "protocol": "tcp", "reachable": True},
        {"source": "198.51.100.0/24", "destination": "i-redis", "port": 6379, "protocol": "tcp", "reachable": False},
    ])
    built.read(FakeClient(responder()))
    intents, failing = built.check_intents()
    assert [intent["holds"] for intent in intents] == [False, False, True, True]
    assert [answer["reachable_from"] for intent in intents for answer in intent["answers"]] == [
        ["203.0.113.0/24"], ["203.0.113.0/24"], ["203.0.113.0/24"], []]
    partly = ("internet -> redis-1 (i-redis) tcp 6379: partly reachable; from 203.0.113.0/24: ingress: accept rule sgr-office "
              "of redis (sg-redis), priority 1, tcp 6379/6379 from 203.0.113.0/24; not from 0.0.0.0/0 except 203.0.113.0/24: "
              "ingress: drop rule sgr-drop of redis (sg-redis), priority 100, tcp 6379/6379 from 0.0.0.0/0")
    assert failing == ["expect[0] expects not reachable, but " + partly, "expect[1] expects reachable, but " + partly]
