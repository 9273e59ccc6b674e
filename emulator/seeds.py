"""Seeding accounts, VPCs, vSwitches, prefix lists, groups with rules and tags, instances and ENIs (admin API, --seed,
--seed-file), and the demo seed."""

from __future__ import annotations

import ipaddress
import secrets
import sqlite3
from typing import Any

from dataclasses import replace

from .accounts import DEMO_ACCOUNT_ID, owner_as_answered
from .actions.regions import REGIONS
from .errors import EcsError
from .ids import iso_minutes, iso_seconds, new_id, utc_now
from .permissions import parse_rule, with_group_defaults
from .queries import insert_rule, set_groups, set_tags

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_ZONE = "cn-hangzhou-h"

DEMO_VPC = "vpc-demo0000000000000001"
DEMO_VSWITCH = "vsw-demo0000000000000001"
DEMO_VPC_GROUP = "sg-demovpcdefault000001"
DEMO_CLASSIC_GROUP = "sg-democlassic000000001"
# The second account of the demo, with a group of its own (invisible to the demo account's Describe calls) that demo
# groups may authorize across accounts. Its key pair only unlocks the emulator.
PARTNER_ACCOUNT_ID = "1111222233334444"
PARTNER_ACCOUNT_NAME = "cloudwall-partner"
PARTNER_ACCESS_KEY_ID = "LTAI5tEmuPartnerAccessKey1"
PARTNER_ACCESS_KEY_SECRET = "EmuPartnerSecretDoNotUseInProd0"
PARTNER_GROUP = "sg-otheraccount000000001"

# What ECS puts in a group it makes by itself (a default group): accept SSH, RDP and ICMP from anywhere at priority 110,
# below every priority a user can give (real captures; ECS_API.md section 6).
SYSTEM_DEFAULT_RULES = (
    {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Priority": "110",
     "Description": "System created rule."},
    {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "3389/3389", "SourceCidrIp": "0.0.0.0/0", "Priority": "110",
     "Description": "System created rule."},
    {"Direction": "ingress", "IpProtocol": "ICMP", "PortRange": "-1/-1", "SourceCidrIp": "0.0.0.0/0", "Priority": "110",
     "Description": "System created rule."},
)

DEMO_SEED: dict[str, list[dict[str, Any]]] = {
    "accounts": [{"AccountId": PARTNER_ACCOUNT_ID, "AccountName": PARTNER_ACCOUNT_NAME,
                  "AccessKeys": [{"AccessKeyId": PARTNER_ACCESS_KEY_ID, "AccessKeySecret": PARTNER_ACCESS_KEY_SECRET}]}],
    "vpcs": [{"VpcId": DEMO_VPC, "CidrBlock": "172.16.0.0/12", "VpcName": "demo-vpc"}],
    "vswitches": [{"VSwitchId": DEMO_VSWITCH, "VpcId": DEMO_VPC, "ZoneId": DEFAULT_ZONE,
                   "CidrBlock": "172.16.1.0/24"}],
    "prefix_lists": [{"PrefixListId": "pl-demo0000000000000001", "PrefixListName": "demo-office", "AddressFamily": "IPv4"}],
    "security_groups": [
        {"SecurityGroupId": DEMO_VPC_GROUP, "SecurityGroupName": "default-vpc", "VpcId": DEMO_VPC,
         "Description": "Default group of the demo VPC"},
        {"SecurityGroupId": DEMO_CLASSIC_GROUP, "SecurityGroupName": "default-classic", "VpcId": ""},
        {"SecurityGroupId": PARTNER_GROUP, "SecurityGroupName": "partner-web", "Description": "Web tier of the partner account",
         "VpcId": "", "OwnerId": PARTNER_ACCOUNT_ID},
    ],
    "instances": [
        {"InstanceId": "i-demoweb0000000000001", "InstanceName": "web-1", "VpcId": DEMO_VPC, "VSwitchId": DEMO_VSWITCH,
         "SecurityGroupIds": [DEMO_VPC_GROUP], "PrivateIpAddress": "172.16.1.11", "NetworkInterfaceId": "eni-demoweb0000000000001"},
        {"InstanceId": "i-demoweb0000000000002", "InstanceName": "web-2", "VpcId": DEMO_VPC, "VSwitchId": DEMO_VSWITCH,
         "SecurityGroupIds": [DEMO_VPC_GROUP], "PrivateIpAddress": "172.16.1.12", "NetworkInterfaceId": "eni-demoweb0000000000002"},
        {"InstanceId": "i-demoredis00000000001", "InstanceName": "redis-1", "VpcId": DEMO_VPC, "VSwitchId": DEMO_VSWITCH,
         "SecurityGroupIds": [DEMO_VPC_GROUP], "PrivateIpAddress": "172.16.1.21", "NetworkInterfaceId": "eni-demoredis00000000001"},
        {"InstanceId": "i-democlassic000000001", "InstanceName": "legacy-1", "VpcId": "", "SecurityGroupIds": [DEMO_CLASSIC_GROUP],
         "PrivateIpAddress": "10.27.0.11"},
    ],
    "network_interfaces": [
        {"NetworkInterfaceId": "eni-demofree000000000001", "InstanceId": "", "Type": "Secondary", "Status": "Available",
         "VpcId": DEMO_VPC, "VSwitchId": DEMO_VSWITCH, "SecurityGroupIds": [DEMO_VPC_GROUP], "PrivateIpAddress": "172.16.1.31"},
    ],
}

SEEDS = {"demo": DEMO_SEED}
_KINDS = ("accounts", "vpcs", "vswitches", "prefix_lists", "security_groups", "instances", "network_interfaces")


def seed_access_keys(seed: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(access key id, secret, account id) of every account key a seed names; its "accounts" are checked by load()."""
    keys = []
    for account in seed.get("accounts") or []:
        if isinstance(account, dict):
            for key in account.get("AccessKeys") or []:
                if isinstance(key, dict) and key.get("AccessKeyId") and key.get("AccessKeySecret"):
                    keys.append((str(key["AccessKeyId"]), str(key["AccessKeySecret"]), str(account.get("AccountId", ""))))
    return keys


class SeedError(ValueError):
    """A seed that cannot be loaded; the message says which entry and why."""


def _mac() -> str:
    return "00:16:3e:" + ":".join(f"{secrets.randbelow(256):02x}" for _index in range(3))


def _host_in(cidr: str) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    span = max(network.num_addresses - 4, 1)
    return str(network.network_address + 2 + secrets.randbelow(span))


def _exists(conn: sqlite3.Connection, table: str, column: str, value: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (value,)).fetchone() is not None  # nosec - fixed names


def _fresh_id(conn: sqlite3.Connection, spec: dict, key: str, prefix: str, table: str, column: str) -> str:
    resource_id = spec.get(key) or new_id(prefix)
    if _exists(conn, table, column, resource_id):
        raise SeedError(f"{key} {resource_id} already exists")
    return resource_id


def _region(spec: dict) -> str:
    region = spec.get("RegionId") or DEFAULT_REGION
    if region not in REGIONS:
        raise SeedError(f"RegionId {region!r} is not a known region")
    return region


class Seeder:
    """Loads one seed document inside one write transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.now = utc_now()
        self.created: dict[str, list[str]] = {kind: [] for kind in _KINDS}

    def load(self, seed: dict[str, Any]) -> dict[str, list[str]]:
        if not isinstance(seed, dict):
            raise SeedError("the seed is a JSON object")
        unknown = set(seed) - set(_KINDS) - {"seed"}
        if unknown:
            raise SeedError(f"unknown seed keys: {', '.join(sorted(unknown))}")
        for kind in _KINDS:
            entries = seed.get(kind) or []
            if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
                raise SeedError(f"{kind} is a list of objects")
            for entry in entries:
                self.created[kind].append(getattr(self, f"_{kind}")(entry))
        return self.created

    def _accounts(self, spec: dict) -> str:
        account_id = str(spec.get("AccountId") or "")
        name = str(spec.get("AccountName") or "")
        if not account_id.isdigit() or not name:
            raise SeedError(f"account {spec!r}: AccountId (digits) and AccountName are required")
        if self.conn.execute("SELECT 1 FROM accounts WHERE account_id = ? OR name = ?", (account_id, name)).fetchone():
            raise SeedError(f"account {account_id} or name {name!r} already exists")
        keys = spec.get("AccessKeys") or []
        if not isinstance(keys, list) or not all(isinstance(key, dict) and key.get("AccessKeyId") and key.get("AccessKeySecret")
                                                 for key in keys):
            raise SeedError(f"account {account_id}: AccessKeys is a list of {{AccessKeyId, AccessKeySecret}}")
        self.conn.execute("INSERT INTO accounts (account_id, name) VALUES (?, ?)", (account_id, name))
        return account_id

    def _vpcs(self, spec: dict) -> str:
        vpc_id = _fresh_id(self.conn, spec, "VpcId", "vpc", "vpcs", "vpc_id")
        self.conn.execute("INSERT INTO vpcs (vpc_id, region, cidr_block, name) VALUES (?, ?, ?, ?)",
                          (vpc_id, _region(spec), spec.get("CidrBlock") or "172.16.0.0/12", spec.get("VpcName", "")))
        return vpc_id

    def _vpc(self, vpc_id: str) -> sqlite3.Row:
        row = self.conn.execute("SELECT * FROM vpcs WHERE vpc_id = ?", (vpc_id,)).fetchone()
        if row is None:
            raise SeedError(f"VpcId {vpc_id} does not exist")
        return row

    def _vswitches(self, spec: dict) -> str:
        vswitch_id = _fresh_id(self.conn, spec, "VSwitchId", "vsw", "vswitches", "vswitch_id")
        vpc = self._vpc(spec.get("VpcId", ""))
        self.conn.execute("INSERT INTO vswitches (vswitch_id, vpc_id, region, zone_id, cidr_block) VALUES (?, ?, ?, ?, ?)",
                          (vswitch_id, vpc["vpc_id"], vpc["region"], spec.get("ZoneId") or vpc["region"] + "-h",
                           spec.get("CidrBlock") or vpc["cidr_block"]))
        return vswitch_id

    def _prefix_lists(self, spec: dict) -> str:
        list_id = _fresh_id(self.conn, spec, "PrefixListId", "pl", "prefix_lists", "prefix_list_id")
        self.conn.execute("INSERT INTO prefix_lists (prefix_list_id, region, name, address_family) VALUES (?, ?, ?, ?)",
                          (list_id, _region(spec), spec.get("PrefixListName", ""), spec.get("AddressFamily") or "IPv4"))
        return list_id

    def _security_groups(self, spec: dict) -> str:
        group_id = _fresh_id(self.conn, spec, "SecurityGroupId", "sg", "security_groups", "group_id")
        vpc_id = spec.get("VpcId") or ""
        region = self._vpc(vpc_id)["region"] if vpc_id else _region(spec)
        group_type = spec.get("SecurityGroupType") or "normal"
        if group_type not in ("normal", "enterprise"):
            raise SeedError(f"SecurityGroupType {group_type!r} is not normal or enterprise")
        policy = "Drop" if group_type == "enterprise" else spec.get("InnerAccessPolicy", "Accept").capitalize()
        owner = str(spec.get("OwnerId") or DEMO_ACCOUNT_ID)
        if not self.conn.execute("SELECT 1 FROM accounts WHERE account_id = ?", (owner,)).fetchone():
            raise SeedError(f"security group {group_id}: OwnerId {owner} is not an account (seed it under accounts)")
        managed = spec.get("ServiceManaged", False)
        if not isinstance(managed, bool):
            raise SeedError(f"security group {group_id}: ServiceManaged is true or false")
        self.conn.execute("INSERT INTO security_groups (group_id, region, name, description, vpc_id, group_type, inner_access_policy, "
                          "resource_group_id, creation_time, owner_id, service_managed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (group_id, region, spec.get("SecurityGroupName", ""), spec.get("Description", ""), vpc_id, group_type,
                           policy, spec.get("ResourceGroupId", ""), iso_seconds(self.now), owner, int(managed)))
        set_tags(self.conn, "securitygroup", group_id, self._tag_pairs(spec))
        permissions = spec.get("Permissions")
        if permissions is None and spec.get("SystemDefault"):
            permissions = [dict(rule) for rule in SYSTEM_DEFAULT_RULES]
        self._rules(group_id, owner, bool(vpc_id), permissions or [])
        return group_id

    def _rules(self, group_id: str, owner: str, is_vpc: bool, permissions: Any) -> None:
        """A seeded group's rules: Permission fields plus Direction (default ingress); priority may be up to 110."""
        if not isinstance(permissions, list) or not all(isinstance(item, dict) for item in permissions):
            raise SeedError(f"security group {group_id}: Permissions is a list of objects")
        seen = set()
        for index, fields in enumerate(permissions, 1):
            fields = {key: str(value) for key, value in fields.items()}
            direction = fields.pop("Direction", "ingress").lower()
            if direction not in ("ingress", "egress"):
                raise SeedError(f"security group {group_id}, permission {index}: Direction is ingress or egress")
            try:
                rule = with_group_defaults(parse_rule(direction, fields, highest_priority=110), is_vpc)
            except EcsError as error:
                raise SeedError(f"security group {group_id}, permission {index}: {error.code}: {error.message}") from None
            if rule.peer_group_id:
                resolved = owner_as_answered(self.conn, owner, rule.peer_group_owner)
                if resolved is None:
                    raise SeedError(f"security group {group_id}, permission {index}: account {rule.peer_group_owner!r} does not exist")
                rule = replace(rule, **{f"{rule.side}_group_owner_account": resolved})
            if rule.identity_key() in seen:
                raise SeedError(f"security group {group_id}, permission {index}: a duplicate of an earlier permission")
            seen.add(rule.identity_key())
            insert_rule(self.conn, group_id, rule, iso_seconds(self.now))

    @staticmethod
    def _tag_pairs(spec: dict) -> list[tuple[str, str]]:
        tags = spec.get("Tags") or {}
        if not isinstance(tags, dict):
            raise SeedError("Tags is an object of key: value")
        return [(str(key), str(value)) for key, value in tags.items()]

    def _network(self, spec: dict, what: str) -> tuple[str, str, str, str, str]:
        """(region, vpc id, vswitch id, zone, private ip) of an instance or ENI."""
        vpc_id = spec.get("VpcId") or ""
        if not vpc_id:
            return _region(spec), "", "", spec.get("ZoneId") or DEFAULT_ZONE, spec.get("PrivateIpAddress") or _host_in("10.0.0.0/8")
        vpc = self._vpc(vpc_id)
        vswitch_id = spec.get("VSwitchId") or ""
        row = self.conn.execute("SELECT * FROM vswitches WHERE vpc_id = ? AND (vswitch_id = ? OR ? = '') ORDER BY seq",
                                (vpc_id, vswitch_id, vswitch_id)).fetchone()
        if vswitch_id and row is None:
            raise SeedError(f"{what}: VSwitchId {vswitch_id} is not a vSwitch of {vpc_id}")
        cidr = row["cidr_block"] if row else vpc["cidr_block"]
        zone = spec.get("ZoneId") or (row["zone_id"] if row else vpc["region"] + "-h")
        return vpc["region"], vpc_id, row["vswitch_id"] if row else "", zone, spec.get("PrivateIpAddress") or _host_in(cidr)

    def _group_ids(self, spec: dict, what: str, region: str, vpc_id: str) -> list[str]:
        group_ids = spec.get("SecurityGroupIds") or []
        if not isinstance(group_ids, list) or not group_ids:
            raise SeedError(f"{what} must name at least one security group in SecurityGroupIds")
        for group_id in group_ids:
            row = self.conn.execute("SELECT * FROM security_groups WHERE group_id = ?", (group_id,)).fetchone()
            if row is None:
                raise SeedError(f"{what}: security group {group_id} does not exist")
            if row["region"] != region or row["vpc_id"] != vpc_id:
                raise SeedError(f"{what}: security group {group_id} is not in the same region and network ({vpc_id or 'classic'})")
        return list(dict.fromkeys(group_ids))

    def _instances(self, spec: dict) -> str:
        instance_id = _fresh_id(self.conn, spec, "InstanceId", "i", "instances", "instance_id")
        region, vpc_id, vswitch_id, zone, private_ip = self._network(spec, f"instance {instance_id}")
        group_ids = self._group_ids(spec, f"instance {instance_id}", region, vpc_id)
        self.conn.execute("INSERT INTO instances (instance_id, region, zone_id, name, description, status, vpc_id, vswitch_id, private_ip, "
                          "public_ip, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (instance_id, region, zone, spec.get("InstanceName") or instance_id, spec.get("Description", ""),
                           spec.get("Status") or "Running", vpc_id, vswitch_id, private_ip, spec.get("PublicIpAddress", ""),
                           iso_minutes(self.now)))
        set_groups(self.conn, instance_id, group_ids)
        set_tags(self.conn, "instance", instance_id, self._tag_pairs(spec))
        if vpc_id:
            # A VPC instance always has a primary ENI; its group set is the instance's (no rows of its own).
            eni_id = _fresh_id(self.conn, spec, "NetworkInterfaceId", "eni", "enis", "eni_id")
            self._insert_eni(eni_id, region, zone, instance_id, "Primary", "InUse", vpc_id, vswitch_id, private_ip, "")
            self.created["network_interfaces"].append(eni_id)
        return instance_id

    def _insert_eni(self, eni_id, region, zone, instance_id, eni_type, status, vpc_id, vswitch_id, private_ip, name) -> None:
        self.conn.execute("INSERT INTO enis (eni_id, region, zone_id, instance_id, eni_type, status, vpc_id, vswitch_id, private_ip, mac, "
                          "name, description, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (eni_id, region, zone, instance_id, eni_type, status, vpc_id, vswitch_id, private_ip, _mac(), name, "",
                           iso_seconds(self.now)))

    def _network_interfaces(self, spec: dict) -> str:
        eni_id = _fresh_id(self.conn, spec, "NetworkInterfaceId", "eni", "enis", "eni_id")
        instance_id = spec.get("InstanceId") or ""
        if instance_id:
            instance = self.conn.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
            if instance is None:
                raise SeedError(f"network interface {eni_id}: instance {instance_id} does not exist")
            spec = {"VpcId": instance["vpc_id"], "VSwitchId": instance["vswitch_id"], "RegionId": instance["region"], **spec}
        if not spec.get("VpcId"):
            raise SeedError(f"network interface {eni_id} needs a VpcId")
        region, vpc_id, vswitch_id, zone, private_ip = self._network(spec, f"network interface {eni_id}")
        eni_type = spec.get("Type") or "Secondary"
        if eni_type != "Secondary":
            raise SeedError(f"network interface {eni_id}: only Secondary ENIs are seeded; primary ENIs come with their instance")
        group_ids = self._group_ids(spec, f"network interface {eni_id}", region, vpc_id)
        status = spec.get("Status") or ("InUse" if instance_id else "Available")
        self._insert_eni(eni_id, region, zone, instance_id, eni_type, status, vpc_id, vswitch_id, private_ip, spec.get("NetworkInterfaceName", ""))
        set_groups(self.conn, eni_id, group_ids)
        set_tags(self.conn, "eni", eni_id, self._tag_pairs(spec))
        return eni_id
