# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _inventory as inv
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.module_utils.test_groups import FakeClient, group


def instance(instance_id="i-1", name="web-1", vpc_id="vpc-1", groups=("sg-1",), private="10.0.0.1", public="",
             eip="", tags=None, status="Running", region="cn-hangzhou"):
    """A DescribeInstances instance with the keys the real API answers."""
    vpc = bool(vpc_id)
    return {
        "InstanceId": instance_id, "InstanceName": name, "RegionId": region, "ZoneId": region + "-h", "Status": status,
        "InstanceNetworkType": "vpc" if vpc else "classic", "CreationTime": "2026-01-01T00:00Z",
        "SecurityGroupIds": {"SecurityGroupId": list(groups)},
        "VpcAttributes": {"VpcId": vpc_id, "VSwitchId": "vsw-1" if vpc else "",
                          "PrivateIpAddress": {"IpAddress": [private] if vpc and private else []}, "NatIpAddress": ""},
        "InnerIpAddress": {"IpAddress": [] if vpc or not private else [private]},
        "PublicIpAddress": {"IpAddress": [public] if public else []},
        "EipAddress": {"IpAddress": eip, "AllocationId": ""},
        "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()]},
    }


# --- options ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("regions, expected", [
    pytest.param(None, [], id="unset"),
    pytest.param([], [], id="empty"),
    pytest.param("cn-hangzhou", ["cn-hangzhou"], id="one-string"),
    pytest.param(["cn-hangzhou", "cn-shanghai", "cn-hangzhou"], ["cn-hangzhou", "cn-shanghai"], id="duplicates-dropped"),
])
def test_validate_regions(regions, expected):
    assert inv.validate_regions(regions) == expected


@pytest.mark.parametrize("regions, words", [
    pytest.param(["cn hangzhou"], ["regions", "'cn hangzhou'", "cn-hangzhou"], id="space"),
    pytest.param(["CN-HANGZHOU"], ["regions", "'CN-HANGZHOU'"], id="upper-case"),
    pytest.param([""], ["regions", "''"], id="empty-string"),
    pytest.param([7], ["regions", "7"], id="number"),
    pytest.param({"a": 1}, ["regions must be a list"], id="dict"),
])
def test_validate_regions_refuses(regions, words):
    with pytest.raises(inv.InventoryOptionError) as raised:
        inv.validate_regions(regions)
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize("hostnames, expected", [
    pytest.param(None, ["instance_id"], id="default"),
    pytest.param([], ["instance_id"], id="empty-is-default"),
    pytest.param("instance_name", ["instance_name"], id="one-string"),
    pytest.param(["public_ip_address", "private_ip_address", "instance_name"],
                 ["public_ip_address", "private_ip_address", "instance_name"], id="order-kept"),
])
def test_validate_hostnames(hostnames, expected):
    assert inv.validate_hostnames(hostnames) == expected


def test_validate_hostnames_refuses_unknown_and_lists_choices():
    with pytest.raises(inv.InventoryOptionError) as raised:
        inv.validate_hostnames(["instance_name", "dns_name"])
    message = str(raised.value)
    assert "hostnames" in message and "'dns_name'" in message
    for choice in inv.HOSTNAME_CHOICES:
        assert choice in message


@pytest.mark.parametrize("filters, expected", [
    pytest.param(None, {}, id="unset"),
    pytest.param({"status": "running"}, {"status": ["Running"]}, id="status-case-insensitive"),
    pytest.param({"status": ["Running", "Stopped", "running"]}, {"status": ["Running", "Stopped"]}, id="status-list"),
    pytest.param({"security_group_ids": "sg-1"}, {"security_group_ids": ["sg-1"]}, id="one-group-id"),
    pytest.param({"security_group_names": ["web", "web"]}, {"security_group_names": ["web"]}, id="names-dedup"),
    pytest.param({"tags": {"tier": "web", "env": None}}, {"tags": {"tier": "web", "env": ""}}, id="tag-none-any-value"),
    pytest.param({"tags": {"build": 42}}, {"tags": {"build": "42"}}, id="tag-number-value-as-text"),
    pytest.param({"vpc_id": "vpc-1", "network_type": "vpc"}, {"vpc_id": "vpc-1", "network_type": "vpc"}, id="vpc"),
    pytest.param({"vpc_id": None}, {}, id="none-value-ignored"),
])
def test_validate_filters(filters, expected):
    assert inv.validate_filters(filters) == expected


@pytest.mark.parametrize("filters, words", [
    pytest.param({"state": "Running"}, ["filters", "'state'", "status", "security_group_names"], id="unknown-key"),
    pytest.param({"status": "Up"}, ["filters.status", "'Up'", "Running", "Stopped"], id="bad-status"),
    pytest.param({"status": [""]}, ["filters.status", "non-empty strings"], id="empty-status"),
    pytest.param({"network_type": "ipv6"}, ["filters.network_type", "'ipv6'", "vpc or classic"], id="bad-network-type"),
    pytest.param({"vpc_id": ["vpc-1", "vpc-2"]}, ["filters.vpc_id", "one VPC id"], id="vpc-list"),
    pytest.param({"tags": ["tier"]}, ["filters.tags", "dictionary"], id="tags-list"),
    pytest.param({"security_group_ids": {"a": 1}}, ["filters.security_group_ids", "list"], id="group-ids-dict"),
    # The API matches ids only: names would give an empty inventory, silently.
    pytest.param({"security_group_ids": ["web"]}, ["filters.security_group_ids", "'web'", "not group ids",
                                                   "filters.security_group_names"], id="group-ids-holding-a-name"),
    pytest.param({"security_group_ids": "sg-1,sg-2"}, ["filters.security_group_ids", "'sg-1,sg-2'"], id="group-ids-comma-text"),
    # Tag values are checked as sg_info checks them: never Python's text of a list.
    pytest.param({"tags": {"tier": ["web", "app"]}}, ["filters.tags", "'tier'", "['web', 'app']"], id="tag-value-list"),
    pytest.param({"tags": {"tier": {"a": 1}}}, ["filters.tags", "'tier'", "{'a': 1}"], id="tag-value-dict"),
    pytest.param({"tags": {"tier": True}}, ["filters.tags", "'tier'", "True"], id="tag-value-boolean"),
    pytest.param({"tags": {"acs:tier": "web"}}, ["filters.tags", "'acs:tier'", "reserved"], id="tag-key-reserved"),
    pytest.param(["status"], ["filters must be a dictionary"], id="not-a-dict"),
])
def test_validate_filters_refuses(filters, words):
    with pytest.raises(inv.InventoryOptionError) as raised:
        inv.validate_filters(filters)
    for word in words:
        assert word in str(raised.value)


# --- filters -> queries -----------------------------------------------------------------------------------------

REGION_GROUPS = [group("sg-1", "web", "vpc-1"), group("sg-2", "web", "vpc-2"), group("sg-3", "redis", "vpc-1")]


@pytest.mark.parametrize("filters, expected", [
    pytest.param({}, [{}], id="no-filter-one-query"),
    pytest.param({"vpc_id": "vpc-1", "network_type": "vpc", "tags": {"tier": "web", "owner": None}},
                 [{"VpcId": "vpc-1", "InstanceNetworkType": "vpc", "Tag": [{"Key": "tier", "Value": "web"}, {"Key": "owner"}]}],
                 id="api-side-filters-tag-without-value"),
    pytest.param({"status": ["Running", "Stopped"]}, [{"Status": "Running"}, {"Status": "Stopped"}], id="one-query-per-status"),
    pytest.param({"security_group_names": ["web"]}, [{"SecurityGroupId": "sg-1"}, {"SecurityGroupId": "sg-2"}],
                 id="name-matches-two-groups"),
    pytest.param({"security_group_ids": ["sg-3"], "security_group_names": ["redis"]}, [{"SecurityGroupId": "sg-3"}],
                 id="id-and-name-of-same-group-once"),
    pytest.param({"status": ["Running", "Stopped"], "security_group_ids": ["sg-1", "sg-3"]},
                 [{"Status": "Running", "SecurityGroupId": "sg-1"}, {"Status": "Running", "SecurityGroupId": "sg-3"},
                  {"Status": "Stopped", "SecurityGroupId": "sg-1"}, {"Status": "Stopped", "SecurityGroupId": "sg-3"}],
                 id="status-times-groups"),
    pytest.param({"security_group_names": ["nosuch"]}, [], id="unknown-name-lists-nothing"),
    pytest.param({"security_group_names": ["Web"]}, [], id="names-exact"),
])
def test_instance_queries(filters, expected):
    assert inv.instance_queries(inv.validate_filters(filters), REGION_GROUPS) == expected


# --- host variables, groups, names ------------------------------------------------------------------------------

def test_host_vars_of_vpc_instance():
    got = inv.host_vars(instance("i-1", "web-1", groups=("sg-1", "sg-3"), public="47.1.1.1", eip="47.2.2.2",
                                 tags={"tier": "web"}), {"sg-1": "web", "sg-3": "redis"})
    assert got == {
        "instance_id": "i-1", "instance_name": "web-1", "status": "Running", "region_id": "cn-hangzhou",
        "zone_id": "cn-hangzhou-h", "instance_network_type": "vpc", "vpc_id": "vpc-1", "vswitch_id": "vsw-1",
        "private_ip_address": "10.0.0.1", "private_ip_addresses": ["10.0.0.1"],
        "public_ip_address": "47.1.1.1", "public_ip_addresses": ["47.1.1.1", "47.2.2.2"],
        "security_group_ids": ["sg-1", "sg-3"], "security_group_names": ["web", "redis"],
        "instance_tags": {"tier": "web"}, "creation_time": "2026-01-01T00:00Z",
    }


@pytest.mark.parametrize("raw, names, key, expected", [
    pytest.param(instance(vpc_id="", private="10.1.1.1"), {}, "private_ip_address", "10.1.1.1", id="classic-inner-address"),
    pytest.param(instance(vpc_id=""), {}, "vpc_id", "", id="classic-no-vpc"),
    pytest.param(instance(private=""), {}, "private_ip_addresses", [], id="no-address"),
    pytest.param(instance(eip="47.2.2.2"), {}, "public_ip_address", "47.2.2.2", id="eip-only"),
    pytest.param(instance(public="47.1.1.1", eip="47.1.1.1"), {}, "public_ip_addresses", ["47.1.1.1"], id="eip-not-twice"),
    pytest.param(instance(groups=("sg-9",)), {}, "security_group_names", ["sg-9"], id="unknown-group-keeps-id"),
    pytest.param({"InstanceId": "i-x"}, {}, "security_group_ids", [], id="sparse-answer"),
])
def test_host_vars_cases(raw, names, key, expected):
    assert inv.host_vars(raw, names)[key] == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("sg_web", "sg_web", id="safe"),
    pytest.param("sg_default-vpc", "sg_default_vpc", id="dash"),
    pytest.param("sg_web.tier:1", "sg_web_tier_1", id="dot-colon"),
    pytest.param("vpc-bp1abc", "vpc_bp1abc", id="vpc-id"),
    pytest.param("sg_数据库", "sg_数据库", id="cjk-kept-as-ansible-does"),
])
def test_safe_group_name(text, expected):
    assert inv.safe_group_name(text) == expected


@pytest.mark.parametrize("hostvars, expected", [
    pytest.param({"security_group_names": ["default-vpc"], "vpc_id": "vpc-demo1"}, ["sg_default_vpc", "vpc_demo1"], id="vpc"),
    pytest.param({"security_group_names": ["web", "redis"], "vpc_id": "vpc-1"}, ["sg_web", "sg_redis", "vpc_1"], id="two-groups"),
    pytest.param({"security_group_names": ["default-classic"], "vpc_id": ""}, ["sg_default_classic"], id="classic-no-vpc-group"),
    pytest.param({"security_group_names": ["a-b", "a.b"], "vpc_id": ""}, ["sg_a_b"], id="names-that-sanitize-alike-once"),
])
def test_default_groups(hostvars, expected):
    assert inv.default_groups(hostvars) == expected


def _hv(instance_id, name="", private="", public=""):
    return {"instance_id": instance_id, "instance_name": name, "private_ip_address": private, "public_ip_address": public}


@pytest.mark.parametrize("hosts, preferences, expected", [
    pytest.param([_hv("i-1", "web-1"), _hv("i-2", "web-2")], ["instance_id"], ["i-1", "i-2"], id="ids"),
    pytest.param([_hv("i-1", "web-1"), _hv("i-2", "web-2")], ["instance_name"], ["web-1", "web-2"], id="names"),
    pytest.param([_hv("i-1", "web"), _hv("i-2", "web")], ["instance_name"], ["web", "i-2"], id="duplicate-name-falls-to-id"),
    pytest.param([_hv("i-1", "web", "10.0.0.1"), _hv("i-2", "web", "10.0.0.2")], ["instance_name", "private_ip_address"],
                 ["web", "10.0.0.2"], id="duplicate-name-next-preference"),
    pytest.param([_hv("i-1", "web", public="47.1.1.1"), _hv("i-2", "db")], ["public_ip_address", "instance_name"],
                 ["47.1.1.1", "db"], id="no-public-address-next-preference"),
    pytest.param([_hv("i-1")], ["public_ip_address", "instance_name"], ["i-1"], id="nothing-set-id"),
])
def test_choose_hostnames(hosts, preferences, expected):
    assert inv.choose_hostnames(hosts, preferences) == expected


# --- list_region on a fake client --------------------------------------------------------------------------------

def instances_responder(all_groups, all_instances):
    """DescribeSecurityGroups and DescribeInstances (SecurityGroupId, Status filters) with NextToken paging."""

    def respond(action, params):
        if action == "DescribeSecurityGroups":
            found, path = list(all_groups), ("SecurityGroups", "SecurityGroup")
        else:
            assert action == "DescribeInstances"
            found, path = list(all_instances), ("Instances", "Instance")
            if "SecurityGroupId" in params:
                found = [x for x in found if params["SecurityGroupId"] in x["SecurityGroupIds"]["SecurityGroupId"]]
            if "Status" in params:
                found = [x for x in found if x["Status"] == params["Status"]]
        size = params.get("MaxResults", 10)
        start = int(params.get("NextToken") or 0)
        token = str(start + size) if start + size < len(found) else ""
        return {path[0]: {path[1]: found[start:start + size]}, "NextToken": token}

    return respond


def test_list_region_reads_every_page():
    many = [instance("i-%04d" % n, "vm-%d" % n, groups=("sg-1",)) for n in range(250)]
    client = FakeClient(instances_responder(REGION_GROUPS, many))
    hosts = inv.list_region(client, {})
    assert [h["instance_id"] for h in hosts] == ["i-%04d" % n for n in range(250)]
    assert hosts[0]["security_group_names"] == ["web"]
    assert client.actions() == ["DescribeSecurityGroups"] + ["DescribeInstances"] * 3
    assert all(params["MaxResults"] == 100 for action, params in client.calls if action == "DescribeInstances")


def test_list_region_merges_queries_once_per_instance():
    both = instance("i-both", groups=("sg-1", "sg-3"))
    client = FakeClient(instances_responder(REGION_GROUPS, [both, instance("i-web", groups=("sg-1",)), instance("i-other", groups=("sg-2",))]))
    hosts = inv.list_region(client, inv.validate_filters({"security_group_ids": ["sg-1", "sg-3"]}))
    assert [h["instance_id"] for h in hosts] == ["i-both", "i-web"]
    assert [p.get("SecurityGroupId") for a, p in client.calls if a == "DescribeInstances"] == ["sg-1", "sg-3"]


def test_list_region_unknown_group_name_reads_no_instance():
    client = FakeClient(instances_responder(REGION_GROUPS, [instance("i-1")]))
    assert inv.list_region(client, inv.validate_filters({"security_group_names": ["nosuch"]})) == []
    assert client.actions() == ["DescribeSecurityGroups"]
