"""Instances and network interfaces as ECS describes them (only what security-group work reads)."""

from __future__ import annotations

import hashlib
from typing import Any

from ..context import Context
from ..errors import invalid
from ..paging import read_paging
from ..queries import eni_member_id, groups_of, tags_answer, tags_match, tags_of
from ..validation import read_tag_filters


# Values of the keys security-group work does not use: plausible for a pay-as-you-go ecs.g7.large running Alibaba Cloud
# Linux, so that any tool reading instances finds every key of the Tea SDK model
# DescribeInstancesResponseBodyInstancesInstance (alibabacloud_ecs20140526) with a value of the right type.
_INSTANCE_DEFAULTS = {
    "AutoReleaseTime": "", "ClusterId": "", "Cpu": 2, "CreditSpecification": "", "DeletionProtection": False,
    "DeploymentSetGroupNo": 0, "DeploymentSetId": "", "DeviceAvailable": True, "EnableNVS": False, "ExpiredTime": "2099-12-31T15:59Z",
    "GPUAmount": 0, "GPUSpec": "", "HpcClusterId": "", "ISP": "", "ImageId": "aliyun_3_x64_20G_alibase_20240819.vhd",
    "InstanceChargeType": "PostPaid", "InstanceType": "ecs.g7.large", "InstanceTypeFamily": "ecs.g7", "InternetChargeType": "PayByTraffic",
    "InternetMaxBandwidthIn": 100, "InternetMaxBandwidthOut": 0, "IoOptimized": True, "KeyPairName": "", "LocalStorageAmount": 0,
    "LocalStorageCapacity": 0, "Memory": 8192, "OSName": "Alibaba Cloud Linux  3.2104 LTS 64位", "OSNameEn": "Alibaba Cloud Linux  3.2104 LTS 64 bit",
    "OSType": "linux", "Recyclable": False, "SaleCycle": "", "SpotDuration": 0, "SpotInterruptionBehavior": "Terminate",
    "SpotPriceLimit": 0.0, "SpotStrategy": "NoSpot", "StoppedMode": "Not-applicable", "VlanId": "",
}


def _instance_answer(row, groups: list[str], enis: list, tags: list[tuple[str, str]]) -> dict[str, Any]:
    vpc = bool(row["vpc_id"])
    private = [row["private_ip"]] if row["private_ip"] else []
    stopped = row["status"] == "Stopped"
    return {
        **_INSTANCE_DEFAULTS,
        "InstanceId": row["instance_id"], "InstanceName": row["name"], "HostName": row["name"], "Description": row["description"],
        "RegionId": row["region"], "ZoneId": row["zone_id"], "Status": row["status"],
        "InstanceNetworkType": "vpc" if vpc else "classic", "CreationTime": row["creation_time"],
        "StartTime": "" if stopped else row["creation_time"], "SerialNumber": _serial(row["instance_id"]),
        "ResourceGroupId": "", "StoppedMode": "KeepCharging" if stopped else "Not-applicable",
        "SecurityGroupIds": {"SecurityGroupId": groups},
        "VpcAttributes": {"VpcId": row["vpc_id"], "VSwitchId": row["vswitch_id"],
                          "PrivateIpAddress": {"IpAddress": private if vpc else []}, "NatIpAddress": ""},
        "InnerIpAddress": {"IpAddress": [] if vpc else private},
        "PublicIpAddress": {"IpAddress": [row["public_ip"]] if row["public_ip"] else []},
        "EipAddress": {"AllocationId": "", "Bandwidth": 0, "InternetChargeType": "", "IpAddress": "", "IsSupportUnassociate": False},
        "RdmaIpAddress": {"IpAddress": []},
        "NetworkInterfaces": {"NetworkInterface": [
            {"NetworkInterfaceId": eni["eni_id"], "Type": eni["eni_type"], "PrimaryIpAddress": eni["private_ip"], "MacAddress": eni["mac"],
             "PrivateIpSets": {"PrivateIpSet": [{"Primary": True, "PrivateIpAddress": eni["private_ip"],
                                                 "PrivateDnsName": f"{row['instance_id']}.{row['region']}.ecs.internal"}]},
             "Ipv6Sets": {"Ipv6Set": []}, "Ipv4PrefixSets": {"Ipv4PrefixSet": []}, "Ipv6PrefixSets": {"Ipv6PrefixSet": []}}
            for eni in enis]},
        "Tags": tags_answer(tags),
        "OperationLocks": {"LockReason": []},
        "AdditionalInfo": {"EnableHighDensityMode": False, "ManagedHostId": "", "NodeSerialNumber": ""},
        "ClockOptions": {"PtpStatus": "disabled"},
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2, "Numa": "", "TopologyType": "", "EnableVISST": False, "EnableVRDT": False,
                       "NestedVirtualization": False, "TurboMode": ""},
        "DedicatedHostAttribute": {"DedicatedHostClusterId": "", "DedicatedHostId": "", "DedicatedHostName": ""},
        "DedicatedInstanceAttribute": {"Affinity": "default", "Tenancy": "default"},
        "EcsCapacityReservationAttr": {"CapacityReservationId": "", "CapacityReservationPreference": "open"},
        "HibernationOptions": {"Configured": False},
        "ImageOptions": {"CurrentOSNVMeSupported": True, "LoginAsNonRoot": False},
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1, "HttpTokens": "optional", "InstanceMetadataTags": "disabled"},
        "PrivateDnsNameOptions": {"EnableInstanceIdDnsAAAARecord": False, "EnableInstanceIdDnsARecord": False, "EnableIpDnsARecord": False,
                                  "EnableIpDnsPtrRecord": False, "HostnameType": "Custom"},
        "SecurityOptions": {"EnableSecureBoot": False},
    }


def _serial(instance_id: str) -> str:
    """A stable UUID-shaped serial number derived from the id."""
    digest = hashlib.md5(instance_id.encode(), usedforsecurity=False).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def _instance_matches(row, params, wanted_ids, groups, tag_filters, tags) -> bool:
    network_type = params.get("InstanceNetworkType").lower()
    checks = (
        wanted_ids is None or row["instance_id"] in wanted_ids,
        not params.has("SecurityGroupId") or params.get("SecurityGroupId") in groups.get(row["instance_id"], []),
        not params.has("VpcId") or row["vpc_id"] == params.get("VpcId"),
        not params.has("VSwitchId") or row["vswitch_id"] == params.get("VSwitchId"),
        not params.has("ZoneId") or row["zone_id"] == params.get("ZoneId"),
        not params.has("Status") or row["status"] == params.get("Status"),
        not params.has("InstanceName") or row["name"] == params.get("InstanceName"),
        network_type == "" or (network_type == "vpc") == bool(row["vpc_id"]),
        not tag_filters or tags_match(tags.get(row["instance_id"], []), tag_filters),
    )
    return all(checks)


def describe_instances(ctx: Context) -> dict[str, Any]:
    params, conn = ctx.params, ctx.conn
    paging = read_paging(params, max_page_size=100, max_results=100)
    wanted = params.json_id_list("InstanceIds", 100)
    wanted_ids = set(wanted) if wanted is not None else None
    if params.get("InstanceNetworkType").lower() not in ("", "vpc", "classic"):
        raise invalid("InstanceNetworkType", params.get("InstanceNetworkType"), "vpc or classic")
    tag_filters = read_tag_filters(params)
    rows = conn.execute("SELECT * FROM instances WHERE region = ? ORDER BY seq", (ctx.region,)).fetchall()
    ids = [row["instance_id"] for row in rows]
    groups = groups_of(conn, ids) if params.has("SecurityGroupId") else {}
    tags = tags_of(conn, ids) if tag_filters else {}
    selected = [row for row in rows if _instance_matches(row, params, wanted_ids, groups, tag_filters, tags)]
    page, keys = paging.page(selected)
    page_ids = [row["instance_id"] for row in page]
    page_groups = groups_of(conn, page_ids)
    page_tags = tags_of(conn, page_ids)
    enis: dict[str, list] = {instance_id: [] for instance_id in page_ids}
    if page_ids:
        marks = ",".join("?" * len(page_ids))
        for eni in conn.execute(f"SELECT * FROM enis WHERE instance_id IN ({marks}) "  # nosec - placeholders only
                                "ORDER BY eni_type = 'Secondary', seq", page_ids):
            enis[eni["instance_id"]].append(eni)
    answer = [_instance_answer(row, page_groups[row["instance_id"]], enis[row["instance_id"]], page_tags.get(row["instance_id"], []))
              for row in page]
    return {**keys, "Instances": {"Instance": answer}}


def describe_network_interfaces(ctx: Context) -> dict[str, Any]:
    params, conn = ctx.params, ctx.conn
    paging = read_paging(params, max_page_size=100, max_results=500)
    wanted_ids = set(params.indexed_values("NetworkInterfaceId"))
    if len(wanted_ids) > 100:
        raise invalid("NetworkInterfaceId.N", f"{len(wanted_ids)} ids", "at most 100 ids")
    rows = conn.execute("SELECT * FROM enis WHERE region = ? ORDER BY seq", (ctx.region,)).fetchall()
    member_ids = {row["eni_id"]: eni_member_id(row) for row in rows}
    groups = groups_of(conn, member_ids.values())
    filters = {"InstanceId": "instance_id", "VpcId": "vpc_id", "VSwitchId": "vswitch_id", "Type": "eni_type", "Status": "status",
               "PrimaryIpAddress": "private_ip", "NetworkInterfaceName": "name"}

    def matches(row) -> bool:
        if wanted_ids and row["eni_id"] not in wanted_ids:
            return False
        if params.has("SecurityGroupId") and params.get("SecurityGroupId") not in groups[member_ids[row["eni_id"]]]:
            return False
        return all(row[column] == params.get(name) for name, column in filters.items() if params.has(name))

    page, keys = paging.page([row for row in rows if matches(row)])
    tags = tags_of(conn, [row["eni_id"] for row in page])
    answer = [{
        "NetworkInterfaceId": row["eni_id"], "NetworkInterfaceName": row["name"], "Description": row["description"],
        "Status": row["status"], "Type": row["eni_type"], "InstanceId": row["instance_id"], "VpcId": row["vpc_id"],
        "VSwitchId": row["vswitch_id"], "ZoneId": row["zone_id"], "PrivateIpAddress": row["private_ip"], "MacAddress": row["mac"],
        "CreationTime": row["creation_time"], "SecurityGroupIds": {"SecurityGroupId": groups[member_ids[row["eni_id"]]]},
        # The caller's account id (Tea model DescribeNetworkInterfacesResponseBody...NetworkInterfaceSet.OwnerId).
        "OwnerId": ctx.account,
        "Tags": tags_answer(tags.get(row["eni_id"], [])),
    } for row in page]
    return {**keys, "NetworkInterfaceSets": {"NetworkInterfaceSet": answer}}
