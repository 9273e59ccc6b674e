# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _groups as g
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import snake_rule


class FakeClient:
    """Records every request; answers from ``responder(action, params)``.

    ``paginate`` follows the client contract (NextToken until empty) on top of ``call``, so tests see
    every page request too.
    """

    def __init__(self, responder):
        self.responder = responder
        self.calls = []

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        return self.responder(action, params)

    def paginate(self, action, params, items_path, style="token", page_size=None):
        assert style == "token"
        params = dict(params or {})
        if page_size:
            params["MaxResults"] = page_size
        items = []
        while True:
            response = self.call(action, params)
            node = response
            for part in items_path.split("."):
                node = node.get(part, {})
            items.extend(node or [])
            if not response.get("NextToken"):
                return items
            params = dict(params, NextToken=response["NextToken"])

    def actions(self):
        return [action for action, _params in self.calls]


def group(group_id, name, vpc_id="vpc-1", tags=None):
    return {
        "SecurityGroupId": group_id, "SecurityGroupName": name, "VpcId": vpc_id, "Description": "d",
        "SecurityGroupType": "normal", "CreationTime": "2026-01-01T00:00:00Z", "ResourceGroupId": "",
        "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()]},
    }


def groups_responder(all_groups, page_size=None):
    """DescribeSecurityGroups over ``all_groups``: id, name and VPC filters, NextToken paging."""

    def respond(action, params):
        assert action == "DescribeSecurityGroups"
        found = list(all_groups)
        if "SecurityGroupIds" in params:
            found = [x for x in found if x["SecurityGroupId"] in params["SecurityGroupIds"]]
        if "SecurityGroupName" in params:
            found = [x for x in found if x["SecurityGroupName"] == params["SecurityGroupName"]]
        if "VpcId" in params:
            found = [x for x in found if x["VpcId"] == params["VpcId"]]
        size = page_size or params.get("MaxResults", 10)
        start = int(params.get("NextToken") or 0)
        page = found[start:start + size]
        token = str(start + size) if start + size < len(found) else ""
        return {"SecurityGroups": {"SecurityGroup": page}, "NextToken": token}

    return respond


GROUPS = [
    group("sg-aaaaaaaaaaaaaaaaaaa1", "web", "vpc-1"),
    group("sg-aaaaaaaaaaaaaaaaaaa2", "web", "vpc-2"),
    group("sg-aaaaaaaaaaaaaaaaaaa3", "redis", "vpc-1"),
    group("sg-aaaaaaaaaaaaaaaaaaa4", "sg-legacy", ""),
]


# --- describe_groups ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, expected_params",
    [
        pytest.param({}, {"MaxResults": 100}, id="no-filter"),
        pytest.param({"vpc_id": "vpc-1", "name": "web"},
                     {"VpcId": "vpc-1", "SecurityGroupName": "web", "MaxResults": 100}, id="vpc-and-name"),
        pytest.param({"tags": {"env": "prod"}, "network_type": "vpc", "group_type": "enterprise"},
                     {"Tag": {"env": "prod"}, "NetworkType": "vpc", "SecurityGroupType": "enterprise",
                      "MaxResults": 100}, id="tags-network-type"),
        pytest.param({"resource_group_id": "rg-1", "tags": {}},
                     {"ResourceGroupId": "rg-1", "MaxResults": 100}, id="empty-tags-not-sent"),
    ],
)
def test_describe_groups_sends_only_given_filters(kwargs, expected_params):
    client = FakeClient(groups_responder([]))
    g.describe_groups(client, **kwargs)
    assert client.calls == [("DescribeSecurityGroups", expected_params)]


def test_describe_groups_reads_every_page():
    many = [group("sg-%020d" % i, "g%d" % i) for i in range(250)]
    client = FakeClient(groups_responder(many))
    found = g.describe_groups(client)
    assert [x["SecurityGroupId"] for x in found] == [x["SecurityGroupId"] for x in many]
    assert [params.get("NextToken") for _action, params in client.calls] == [None, "100", "200"]


@pytest.mark.parametrize(
    "count, expected_chunk_sizes",
    [(1, [1]), (100, [100]), (101, [100, 1]), (250, [100, 100, 50])],
)
def test_describe_groups_sends_ids_100_per_request(count, expected_chunk_sizes):
    many = [group("sg-%020d" % i, "g%d" % i) for i in range(count)]
    client = FakeClient(groups_responder(many))
    found = g.describe_groups(client, ids=[x["SecurityGroupId"] for x in many])
    assert len(found) == count
    assert [len(params["SecurityGroupIds"]) for _action, params in client.calls] == expected_chunk_sizes


def test_describe_groups_with_no_ids_makes_no_call_and_duplicates_are_sent_once():
    client = FakeClient(groups_responder(GROUPS))
    assert g.describe_groups(client, ids=[]) == []
    assert client.calls == []
    g.describe_groups(client, ids=["sg-aaaaaaaaaaaaaaaaaaa1", "sg-aaaaaaaaaaaaaaaaaaa1"])
    assert client.calls[0][1]["SecurityGroupIds"] == ["sg-aaaaaaaaaaaaaaaaaaa1"]


# --- find_group / find_groups ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ref, vpc_id, expected_id",
    [
        pytest.param("sg-aaaaaaaaaaaaaaaaaaa3", None, "sg-aaaaaaaaaaaaaaaaaaa3", id="by-id"),
        pytest.param("redis", None, "sg-aaaaaaaaaaaaaaaaaaa3", id="unique-name"),
        pytest.param("web", "vpc-2", "sg-aaaaaaaaaaaaaaaaaaa2", id="name-within-vpc"),
        pytest.param("sg-legacy", None, "sg-aaaaaaaaaaaaaaaaaaa4", id="name-that-looks-like-an-id"),
    ],
)
def test_find_group(ref, vpc_id, expected_id):
    client = FakeClient(groups_responder(GROUPS))
    assert g.find_group(client, ref, vpc_id)["SecurityGroupId"] == expected_id


@pytest.mark.parametrize(
    "ref, vpc_id, fragments, candidates",
    [
        pytest.param("web", None, ["'web' matches 2 groups", "web (sg-aaaaaaaaaaaaaaaaaaa1, vpc-1)",
                                   "web (sg-aaaaaaaaaaaaaaaaaaa2, vpc-2)", "set vpc_id"],
                     ["web (sg-aaaaaaaaaaaaaaaaaaa1, vpc-1)", "web (sg-aaaaaaaaaaaaaaaaaaa2, vpc-2)"], id="ambiguous"),
        pytest.param("db", None, ["no security group with id or name 'db'"], [], id="unknown-name"),
        pytest.param("redis", "vpc-2", ["'redis' in vpc-2"], [], id="name-in-other-vpc"),
        pytest.param("sg-bbbbbbbbbbbbbbbbbbbb", None, ["no security group"], [], id="unknown-id"),
        pytest.param("sg-aaaaaaaaaaaaaaaaaaa3", "vpc-2", ["sg-aaaaaaaaaaaaaaaaaaa3 is in vpc-1, not in vpc_id vpc-2"], [],
                     id="id-in-other-vpc"),
        pytest.param("sg-aaaaaaaaaaaaaaaaaaa4", "vpc-1", ["is in the classic network"], [], id="classic-id"),
    ],
)
def test_find_group_failures(ref, vpc_id, fragments, candidates):
    client = FakeClient(groups_responder(GROUPS))
    with pytest.raises(g.GroupLookupError) as raised:
        g.find_group(client, ref, vpc_id)
    for fragment in fragments:
        assert fragment in str(raised.value)
    assert raised.value.candidates == candidates


def test_find_groups_reads_all_ids_in_one_request_and_keeps_order():
    client = FakeClient(groups_responder(GROUPS))
    found = g.find_groups(client, ["sg-aaaaaaaaaaaaaaaaaaa3", "redis", "sg-aaaaaaaaaaaaaaaaaaa1",
                                   "sg-aaaaaaaaaaaaaaaaaaa3"])
    # One entry per distinct reference: "redis" names the same group as the first id.
    assert [x["SecurityGroupId"] for x in found] == ["sg-aaaaaaaaaaaaaaaaaaa3", "sg-aaaaaaaaaaaaaaaaaaa3",
                                                     "sg-aaaaaaaaaaaaaaaaaaa1"]
    id_requests = [params for _action, params in client.calls if "SecurityGroupIds" in params]
    assert len(id_requests) == 1
    assert id_requests[0]["SecurityGroupIds"] == ["sg-aaaaaaaaaaaaaaaaaaa3", "sg-aaaaaaaaaaaaaaaaaaa1"]


# --- rules ----------------------------------------------------------------------------------------------------

def permission(rule_id, nic_type="intranet", protocol="TCP", policy="Accept", priority=1):
    return {"SecurityGroupRuleId": rule_id, "Direction": "ingress", "IpProtocol": protocol, "PortRange": "22/22",
            "SourceCidrIp": "10.0.0.0/8", "Policy": policy, "Priority": priority, "NicType": nic_type,
            "Description": "", "CreateTime": "2026-01-01T00:00:00Z"}


def rules_responder(vpc_id, pages_by_nic):
    """DescribeSecurityGroupAttribute: ``pages_by_nic[nic]`` is a list of pages (lists of permissions)."""

    def respond(action, params):
        assert action == "DescribeSecurityGroupAttribute"
        pages = pages_by_nic[params.get("NicType")]
        index = int(params.get("NextToken") or 0)
        token = str(index + 1) if index + 1 < len(pages) else ""
        return {"RequestId": "R", "SecurityGroupId": params["SecurityGroupId"], "VpcId": vpc_id,
                "SecurityGroupName": "web", "InnerAccessPolicy": "Drop", "NextToken": token,
                "Permissions": {"Permission": pages[index]}}

    return respond


def test_describe_rules_reads_every_page_of_a_vpc_group():
    client = FakeClient(rules_responder("vpc-1", {None: [[permission("sgr-1")], [permission("sgr-2")]]}))
    attributes, permissions = g.describe_rules(client, "sg-1")
    assert [p["SecurityGroupRuleId"] for p in permissions] == ["sgr-1", "sgr-2"]
    assert attributes == {"SecurityGroupId": "sg-1", "VpcId": "vpc-1", "SecurityGroupName": "web",
                          "InnerAccessPolicy": "Drop"}
    assert [params.get("NextToken") for _action, params in client.calls] == [None, "1"]
    assert all(params["MaxResults"] == 1000 and params["Direction"] == "all" for _action, params in client.calls)


def test_describe_rules_reads_both_nic_types_of_a_classic_group():
    pages = {None: [[permission("sgr-i", "internet")]], "intranet": [[permission("sgr-n", "intranet")]]}
    client = FakeClient(rules_responder("", pages))
    _attributes, permissions = g.describe_rules(client, "sg-1")
    assert sorted(p["SecurityGroupRuleId"] for p in permissions) == ["sgr-i", "sgr-n"]
    assert [params.get("NicType") for _action, params in client.calls] == [None, "intranet"]


def test_describe_rules_with_a_nic_type_reads_only_it():
    client = FakeClient(rules_responder("", {"internet": [[permission("sgr-i", "internet")]]}))
    _attributes, permissions = g.describe_rules(client, "sg-1", direction="ingress", nic_type="internet")
    assert len(permissions) == 1 and len(client.calls) == 1
    assert client.calls[0][1]["Direction"] == "ingress"


def test_describe_rules_stops_on_a_repeated_token():
    def respond(action, params):
        return {"VpcId": "vpc-1", "NextToken": "same", "Permissions": {"Permission": [permission("sgr-1")]}}

    client = FakeClient(respond)
    g.describe_rules(client, "sg-1")
    assert len(client.calls) == 2


# --- members and references -----------------------------------------------------------------------------------

def test_describe_members_filters_by_group_on_both_apis():
    def respond(action, params):
        if action == "DescribeInstances":
            return {"Instances": {"Instance": [{"InstanceId": "i-1"}]}, "NextToken": ""}
        return {"NetworkInterfaceSets": {"NetworkInterfaceSet": [{"NetworkInterfaceId": "eni-1"}]}, "NextToken": ""}

    client = FakeClient(respond)
    members = g.describe_members(client, "sg-1")
    assert members == {"instances": [{"InstanceId": "i-1"}], "network_interfaces": [{"NetworkInterfaceId": "eni-1"}]}
    assert sorted(client.actions()) == ["DescribeInstances", "DescribeNetworkInterfaces"]
    assert all(params["SecurityGroupId"] == "sg-1" for _action, params in client.calls)


@pytest.mark.parametrize(
    "members, instances, enis",
    [
        pytest.param({"instances": [], "network_interfaces": []}, [], [], id="none"),
        pytest.param({"instances": [{"InstanceId": "i-1"}],
                      "network_interfaces": [{"NetworkInterfaceId": "eni-p", "Type": "Primary", "InstanceId": "i-1"}]},
                     ["i-1"], [], id="primary-eni-of-member-instance-not-repeated"),
        pytest.param({"instances": [],
                      "network_interfaces": [{"NetworkInterfaceId": "eni-s", "Type": "Secondary", "InstanceId": ""}]},
                     [], ["eni-s"], id="free-secondary-eni"),
        pytest.param({"instances": [{"InstanceId": "i-1"}],
                      "network_interfaces": [{"NetworkInterfaceId": "eni-p2", "Type": "Primary", "InstanceId": "i-2"},
                                             {"NetworkInterfaceId": "eni-s", "Type": "Secondary", "InstanceId": "i-1"}]},
                     ["i-1"], ["eni-p2", "eni-s"], id="eni-whose-instance-is-not-a-member"),
    ],
)
def test_blocking_members(members, instances, enis):
    assert g.blocking_members(members) == (instances, enis)


def test_describe_references_sends_10_ids_per_request_and_maps_every_id():
    ids = ["sg-%d" % i for i in range(23)]

    def respond(action, params):
        assert action == "DescribeSecurityGroupReferences"
        refs = [{"SecurityGroupId": gid, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": [
            {"SecurityGroupId": "sg-ref", "AliUid": "1"}]}} for gid in params["SecurityGroupId"] if gid == "sg-7"]
        return {"SecurityGroupReferences": {"SecurityGroupReference": refs}}

    client = FakeClient(respond)
    result = g.describe_references(client, ids)
    assert [len(params["SecurityGroupId"]) for _action, params in client.calls] == [10, 10, 3]
    assert result["sg-7"] == ["sg-ref"]
    assert sorted(result) == sorted(ids)
    assert all(result[gid] == [] for gid in ids if gid != "sg-7")


# --- tags -----------------------------------------------------------------------------------------------------

def test_tag_groups_shares_calls_between_groups_needing_the_same_tags():
    client = FakeClient(lambda action, params: {})
    plan = dict(("sg-%d" % i, {"env": "prod"}) for i in range(55))
    plan["sg-x"] = {"env": "dev"}
    plan["sg-none"] = {}
    g.tag_groups(client, plan)
    sent = [(params["Tag"], len(params["ResourceId"])) for _action, params in client.calls]
    assert sorted(sent, key=repr) == sorted([({"env": "dev"}, 1), ({"env": "prod"}, 50), ({"env": "prod"}, 5)],
                                            key=repr)
    assert set(client.actions()) == {"TagResources"}
    assert all(params["ResourceType"] == "securitygroup" for _action, params in client.calls)


def test_untag_groups_batches_by_identical_keys():
    client = FakeClient(lambda action, params: {})
    g.untag_groups(client, {"sg-1": ["b", "a"], "sg-2": ["a", "b"], "sg-3": ["c"], "sg-4": []})
    sent = sorted((params["TagKey"], params["ResourceId"]) for _action, params in client.calls)
    assert sent == [(["a", "b"], ["sg-1", "sg-2"]), (["c"], ["sg-3"])]


def test_untag_groups_sends_at_most_20_keys_per_request():
    client = FakeClient(lambda action, params: {})
    g.untag_groups(client, {"sg-1": ["k%02d" % i for i in range(25)]})
    assert [len(params["TagKey"]) for _action, params in client.calls] == [20, 5]


# --- writes ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param({"name": "web"}, {"SecurityGroupName": "web"}, id="name-only"),
        pytest.param({"name": "web", "description": "dd", "vpc_id": "vpc-1", "group_type": "enterprise",
                      "resource_group_id": "rg-1", "tags": {"a": "1"}},
                     {"SecurityGroupName": "web", "Description": "dd", "VpcId": "vpc-1",
                      "SecurityGroupType": "enterprise", "ResourceGroupId": "rg-1", "Tag": {"a": "1"}}, id="all"),
        pytest.param({"name": "web", "tags": {}}, {"SecurityGroupName": "web"}, id="empty-tags-not-sent"),
    ],
)
def test_create_group(kwargs, expected):
    client = FakeClient(lambda action, params: {"SecurityGroupId": "sg-new"})
    assert g.create_group(client, **kwargs) == "sg-new"
    assert client.calls == [("CreateSecurityGroup", expected)]


@pytest.mark.parametrize("policy, sent", [("accept", "Accept"), ("drop", "Drop")])
def test_modify_inner_access_policy_capitalises(policy, sent):
    client = FakeClient(lambda action, params: {})
    g.modify_inner_access_policy(client, "sg-1", policy)
    assert client.calls == [("ModifySecurityGroupPolicy", {"SecurityGroupId": "sg-1", "InnerAccessPolicy": sent})]


def test_modify_group_attribute_sends_only_changes():
    client = FakeClient(lambda action, params: {})
    g.modify_group_attribute(client, "sg-1", description="new text")
    assert client.calls == [("ModifySecurityGroupAttribute", {"SecurityGroupId": "sg-1", "Description": "new text"})]


# --- snake_case shapes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, attributes, expected",
    [
        pytest.param(group("sg-1", "web", "vpc-1", {"env": "prod"}), {"InnerAccessPolicy": "Drop"},
                     {"security_group_id": "sg-1", "security_group_name": "web", "vpc_id": "vpc-1",
                      "network_type": "vpc", "inner_access_policy": "drop", "tags": {"env": "prod"},
                      "security_group_type": "normal"}, id="vpc-with-attributes"),
        pytest.param(group("sg-2", "old", ""), None,
                     {"vpc_id": "", "network_type": "classic", "inner_access_policy": None, "tags": {},
                      "ecs_count": None}, id="classic-without-attributes"),
        pytest.param(dict(group("sg-3", "x"), EcsCount=3, RuleCount="7", ServiceManaged=True), None,
                     {"ecs_count": 3, "rule_count": 7, "service_managed": True}, id="counts"),
    ],
)
def test_snake_group(raw, attributes, expected):
    result = g.snake_group(raw, attributes)
    for key, value in expected.items():
        assert result[key] == value
    assert all(key == key.lower() for key in result)


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(permission("sgr-1", protocol="TCP", policy="Accept", priority=1),
                     {"ip_protocol": "tcp", "policy": "accept", "priority": 1, "port_range": "22/22",
                      "source_cidr_ip": "10.0.0.0/8", "dest_group_id": "", "nic_type": "intranet"}, id="number-priority"),
        pytest.param(permission("sgr-2", protocol="ICMPV6", policy="Drop", priority="100"),
                     {"ip_protocol": "icmpv6", "policy": "drop", "priority": 100}, id="string-priority"),
        pytest.param({"SecurityGroupRuleId": "sgr-3"},
                     {"ip_protocol": "", "policy": "", "priority": None, "source_group_id": ""}, id="sparse"),
    ],
)
def test_snake_rule(raw, expected):
    result = snake_rule(raw)
    for key, value in expected.items():
        assert result[key] == value


def test_snake_members():
    members = {
        "instances": [{"InstanceId": "i-1", "InstanceName": "web-1", "Status": "Running",
                       "InstanceNetworkType": "vpc", "ZoneId": "z",
                       "VpcAttributes": {"VpcId": "vpc-1", "PrivateIpAddress": {"IpAddress": ["10.0.0.5"]}},
                       "SecurityGroupIds": {"SecurityGroupId": ["sg-1", "sg-2"]}}],
        "network_interfaces": [{"NetworkInterfaceId": "eni-1", "Type": "Secondary", "Status": "Available",
                                "VpcId": "vpc-1", "PrivateIpAddress": "10.0.0.9",
                                "SecurityGroupIds": {"SecurityGroupId": ["sg-1"]}}],
    }
    result = g.snake_members(members)
    assert result["instances"][0]["private_ip_addresses"] == ["10.0.0.5"]
    assert result["instances"][0]["security_group_ids"] == ["sg-1", "sg-2"]
    assert result["network_interfaces"][0]["instance_id"] == ""
    assert result["network_interfaces"][0]["security_group_ids"] == ["sg-1"]


def test_delete_group_passes_other_errors_on():
    def respond(action, params):
        raise EcsApiError(action, "DependencyViolation", "There is still instance(s) in the specified security group.",
                          attempts=3)

    with pytest.raises(EcsApiError, match="DependencyViolation"):
        g.delete_group(FakeClient(respond), "sg-1")


# Check mode's planned groups: a name that matched nothing stands for a group an earlier task would create.

@pytest.mark.parametrize("ref, error, expected", [
    pytest.param("web", g.GroupLookupError("none", not_found=True), True, id="missing-name"),
    pytest.param("sg-0123456789abcdefghij", g.GroupLookupError("none", not_found=True), False, id="missing-id"),
    pytest.param("web", g.GroupLookupError("two", candidates=["a", "b"]), False, id="ambiguous-name"),
    pytest.param("web", g.GroupLookupError("wrong vpc"), False, id="other-vpc"),
])
def test_plannable(ref, error, expected):
    assert g.plannable(ref, error) is expected


def test_planned_group_is_new_empty_and_marked():
    group = g.planned_group("web", "vpc-1")
    assert (group["SecurityGroupId"], group["SecurityGroupName"], group["VpcId"]) == ("planned:web", "web", "vpc-1")
    assert g.is_planned(group["SecurityGroupId"]) and not g.is_planned("sg-1")
    assert "check mode assumes it is created earlier in the play" in g.planned_warning("security_group", "web", "vpc-1")


def test_find_group_says_not_found():
    client = FakeClient(lambda action, params: {"SecurityGroups": {"SecurityGroup": []}})
    with pytest.raises(g.GroupLookupError) as raised:
        g.find_group(client, "web", "vpc-1")
    assert raised.value.not_found


def test_find_groups_asks_missing_for_a_name_that_matched_nothing():
    client = FakeClient(lambda action, params: {"SecurityGroups": {"SecurityGroup": []}})
    found = g.find_groups(client, ["web"], "vpc-1", missing=lambda ref, error: g.planned_group(ref, "vpc-1"))
    assert [group["SecurityGroupId"] for group in found] == ["planned:web"]


@pytest.mark.parametrize("group_id, name, label", [
    ("sg-1", "web", "web (sg-1)"), ("sg-1", "", "sg-1"), ("sg-1", "sg-1", "sg-1"), ("planned:web", "web", "web (planned:web)")])
def test_group_label(group_id, name, label):
    assert g.group_label(group_id, name) == label
