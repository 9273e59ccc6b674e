"""A stable, sorted dump of every resource, for comparing the state after two runs."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .queries import eni_member_id, groups_of, permissions_json, tags_of


def dump_state(conn: sqlite3.Connection) -> dict[str, Any]:
    groups = conn.execute("SELECT * FROM security_groups ORDER BY region, name, group_id").fetchall()
    group_ids = [row["group_id"] for row in groups]
    tags = tags_of(conn, group_ids)
    security_groups = []
    for row in groups:
        rules = [json.loads(text) for text in permissions_json(conn, row["group_id"], ("ingress", "egress"), ("intranet", "internet"))]
        # Sorted by what the rule is, not by its id or age, so two runs compare equal.
        ordered = sorted(rules, key=lambda rule: json.dumps({k: v for k, v in rule.items() if k not in ("SecurityGroupRuleId", "CreateTime")},
                                                            sort_keys=True))
        security_groups.append({
            "SecurityGroupId": row["group_id"], "RegionId": row["region"], "SecurityGroupName": row["name"],
            "Description": row["description"], "VpcId": row["vpc_id"], "SecurityGroupType": row["group_type"],
            "InnerAccessPolicy": row["inner_access_policy"], "ResourceGroupId": row["resource_group_id"],
            "CreationTime": row["creation_time"], "Tags": dict(sorted(tags.get(row["group_id"], []))),
            "OwnerId": row["owner_id"], "ServiceManaged": bool(row["service_managed"]),
            "Rules": ordered,
        })
    instances = conn.execute("SELECT * FROM instances ORDER BY region, instance_id").fetchall()
    enis = conn.execute("SELECT * FROM enis ORDER BY region, eni_id").fetchall()
    memberships = groups_of(conn, [row["instance_id"] for row in instances] + [eni_member_id(row) for row in enis])
    return {
        "accounts": [dict(row) for row in conn.execute("SELECT account_id AS AccountId, name AS AccountName FROM accounts "
                                                       "ORDER BY account_id")],
        "vpcs": [dict(row) for row in conn.execute("SELECT vpc_id AS VpcId, region AS RegionId, cidr_block AS CidrBlock, "
                                                   "name AS VpcName FROM vpcs ORDER BY vpc_id")],
        "vswitches": [dict(row) for row in conn.execute("SELECT vswitch_id AS VSwitchId, vpc_id AS VpcId, zone_id AS ZoneId, "
                                                        "cidr_block AS CidrBlock FROM vswitches ORDER BY vswitch_id")],
        "prefix_lists": [dict(row) for row in conn.execute("SELECT prefix_list_id AS PrefixListId, region AS RegionId, "
                                                           "name AS PrefixListName, address_family AS AddressFamily "
                                                           "FROM prefix_lists ORDER BY prefix_list_id")],
        "security_groups": security_groups,
        "instances": [{"InstanceId": row["instance_id"], "InstanceName": row["name"], "RegionId": row["region"],
                       "Status": row["status"], "VpcId": row["vpc_id"], "VSwitchId": row["vswitch_id"],
                       "SecurityGroupIds": memberships[row["instance_id"]], "CreationTime": row["creation_time"]} for row in instances],
        "network_interfaces": [{"NetworkInterfaceId": row["eni_id"], "InstanceId": row["instance_id"], "Type": row["eni_type"],
                                "Status": row["status"], "VpcId": row["vpc_id"], "SecurityGroupIds": memberships[eni_member_id(row)]}
                               for row in enis],
    }
