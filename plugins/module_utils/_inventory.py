# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The logic of the ``cloudwall.alicloud.ecs`` inventory plugin, apart from Ansible's inventory objects.

Pure: option validation (regions, hostnames, filters), filters -> DescribeInstances queries, host variables
from an API instance, host names, the default group names. ``list_region`` reads one region through an
``EcsClient`` (every page). Nothing here keeps state between calls: the plugin may list many regions and
accounts in one process.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import describe_groups
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at, unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import normalize_tags, tags_from_api, validate_tags
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import group_id_problems

# How a host may be named, in the user's order of preference.
HOSTNAME_CHOICES = ("instance_id", "instance_name", "private_ip_address", "public_ip_address")
DEFAULT_HOSTNAMES = ("instance_id",)

# ECS instance states (DescribeInstances Status).
STATUS_CHOICES = ("Pending", "Running", "Starting", "Stopping", "Stopped")
NETWORK_TYPE_CHOICES = ("vpc", "classic")
FILTER_KEYS = ("status", "vpc_id", "network_type", "tags", "security_group_ids", "security_group_names")

SECURITY_GROUP_PREFIX = "sg_"
INSTANCES_PAGE_SIZE = 100  # the largest MaxResults DescribeInstances accepts

_REGION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Ansible's rule for group names (to_safe_group_name): characters not allowed in a variable name become "_".
_UNSAFE_GROUP_CHARS = re.compile(r"[^\w]")


class InventoryOptionError(ValueError):
    """A bad inventory option, found before any API call; the message names the option, value and what is allowed."""


# ---------------------------------------------------------------------------------------------------------
# Options


def validate_regions(regions):
    """The list of region ids, without duplicates, in the given order."""
    if regions is None:
        return []
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(regions, (list, tuple)):
        raise InventoryOptionError("regions must be a list of region ids such as cn-hangzhou, got %r" % (regions,))
    result = []
    for region in regions:
        if not isinstance(region, str) or not _REGION_PATTERN.match(region):
            raise InventoryOptionError("regions: %r is not a region id; give ids such as cn-hangzhou or ap-southeast-1" % (region,))
        if region not in result:
            result.append(region)
    return result


def validate_hostnames(hostnames):
    """The hostname preferences, each one of HOSTNAME_CHOICES; DEFAULT_HOSTNAMES when unset or empty."""
    if not hostnames:
        return list(DEFAULT_HOSTNAMES)
    if isinstance(hostnames, str):
        hostnames = [hostnames]
    if not isinstance(hostnames, (list, tuple)):
        raise InventoryOptionError("hostnames must be a list of %s, got %r" % (", ".join(HOSTNAME_CHOICES), hostnames))
    for name in hostnames:
        if name not in HOSTNAME_CHOICES:
            raise InventoryOptionError("hostnames: %r is not supported; use one or more of %s" % (name, ", ".join(HOSTNAME_CHOICES)))
    return list(hostnames)


def _string_list(key, value):
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(item, str) and item for item in values):
        raise InventoryOptionError("filters.%s must be a string or a list of non-empty strings, got %r" % (key, value))
    return unique(values)


def _status_list(value):
    by_lower = dict((status.lower(), status) for status in STATUS_CHOICES)
    result = []
    for item in _string_list("status", value):
        if item.lower() not in by_lower:
            raise InventoryOptionError("filters.status: %r is not an instance status; use one or more of %s" % (item, ", ".join(STATUS_CHOICES)))
        result.append(by_lower[item.lower()])
    return unique(result)


def validate_filters(filters):
    """Normalised filters: ``status`` and the group lists become lists, unknown keys are refused."""
    if not filters:
        return {}
    if not isinstance(filters, dict):
        raise InventoryOptionError("filters must be a dictionary with keys among %s, got %r" % (", ".join(FILTER_KEYS), filters))
    result = {}
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            raise InventoryOptionError("filters: unknown filter %r; use %s" % (key, ", ".join(FILTER_KEYS)))
        if value is None:
            continue
        if key == "status":
            result[key] = _status_list(value)
        elif key == "security_group_names":
            result[key] = _string_list(key, value)
        elif key == "security_group_ids":
            # The API matches ids only: a name here would select no instance, silently (as sg_info's filter says).
            result[key] = _string_list(key, value)
            problems = group_id_problems(result[key], "filters.security_group_ids", "select groups by name with "
                                         "filters.security_group_names")
            if problems:
                raise InventoryOptionError(problems[0])
        elif key == "vpc_id":
            if not isinstance(value, str) or not value:
                raise InventoryOptionError("filters.vpc_id must be one VPC id such as vpc-bp1abc, got %r" % (value,))
            result[key] = value
        elif key == "network_type":
            if value not in NETWORK_TYPE_CHOICES:
                raise InventoryOptionError("filters.network_type: %r is not supported; use vpc or classic" % (value,))
            result[key] = value
        else:  # tags: checked as sg_info checks its tag filter; a value of None or "" matches any value of the key
            if not isinstance(value, dict):
                raise InventoryOptionError("filters.tags must be a dictionary of tag key: value (an empty value matches any), got %r" % (value,))
            try:
                validate_tags(value, "filters.tags", allow_none_values=True)
            except ValidationError as error:
                raise InventoryOptionError(str(error))
            result[key] = normalize_tags(value)
    return result


# ---------------------------------------------------------------------------------------------------------
# Filters -> API queries


def group_ids_wanted(filters, region_groups):
    """The group ids the group filters select in a region, or None when there is no group filter.

    Names are matched exactly against the region's groups; an empty result means "no instance here".
    """
    if "security_group_ids" not in filters and "security_group_names" not in filters:
        return None
    wanted = list(filters.get("security_group_ids", []))
    names = set(filters.get("security_group_names", []))
    for group in region_groups:
        if group.get("SecurityGroupName") in names:
            wanted.append(group.get("SecurityGroupId"))
    return unique(wanted)


def instance_queries(filters, region_groups):
    """DescribeInstances parameters, one dict per query, that together list what ``filters`` select.

    The API takes one Status and one SecurityGroupId per call, so several values make several queries
    (their answers are merged by instance id). No query at all when the group filters match no group.
    """
    base = {}
    if "vpc_id" in filters:
        base["VpcId"] = filters["vpc_id"]
    if "network_type" in filters:
        base["InstanceNetworkType"] = filters["network_type"]
    if filters.get("tags"):
        # A tag without a value is sent as Tag.N.Key alone: the API then matches any value of the key.
        base["Tag"] = [dict(Key=key, Value=value) if value else dict(Key=key) for key, value in filters["tags"].items()]
    queries = [base]
    statuses = filters.get("status")
    if statuses:
        queries = [dict(query, Status=status) for query in queries for status in statuses]
    group_ids = group_ids_wanted(filters, region_groups)
    if group_ids is not None:
        queries = [dict(query, SecurityGroupId=group_id) for query in queries for group_id in group_ids]
    return queries


# ---------------------------------------------------------------------------------------------------------
# Host variables, host names, groups


def host_vars(instance, group_names):
    """Host variables (snake_case) of a DescribeInstances instance; ``group_names`` maps group id -> name."""
    vpc = instance.get("VpcAttributes") or {}
    private = items_at(vpc, "PrivateIpAddress.IpAddress") or items_at(instance, "InnerIpAddress.IpAddress")
    public = list(items_at(instance, "PublicIpAddress.IpAddress"))
    eip = (instance.get("EipAddress") or {}).get("IpAddress")
    if eip and eip not in public:
        public.append(eip)
    group_ids = items_at(instance, "SecurityGroupIds.SecurityGroupId")
    return {
        "instance_id": instance.get("InstanceId", ""),
        "instance_name": instance.get("InstanceName", ""),
        "status": instance.get("Status", ""),
        "region_id": instance.get("RegionId", ""),
        "zone_id": instance.get("ZoneId", ""),
        "instance_network_type": instance.get("InstanceNetworkType", ""),
        "vpc_id": vpc.get("VpcId", ""),
        "vswitch_id": vpc.get("VSwitchId", ""),
        "private_ip_address": private[0] if private else "",
        "private_ip_addresses": list(private),
        "public_ip_address": public[0] if public else "",
        "public_ip_addresses": public,
        "security_group_ids": list(group_ids),
        # A group the listing did not return (should not happen) keeps its id, so no member is lost.
        "security_group_names": [group_names.get(group_id) or group_id for group_id in group_ids],
        # "tags" is a reserved play keyword: Ansible warns about a host variable of that name.
        "instance_tags": tags_from_api(items_at(instance, "Tags.Tag")),
        "creation_time": instance.get("CreationTime", ""),
    }


def safe_group_name(text):
    """``text`` as an Ansible group name: characters not allowed in a variable name become ``_``."""
    return _UNSAFE_GROUP_CHARS.sub("_", text)


def default_groups(hostvars):
    """``sg_<group name>`` per security group and the VPC id (``vpc_<...>``) of a host, in order."""
    groups = [safe_group_name(SECURITY_GROUP_PREFIX + name) for name in hostvars.get("security_group_names", [])]
    if hostvars.get("vpc_id"):
        groups.append(safe_group_name(hostvars["vpc_id"]))
    return unique(groups)


def choose_hostnames(hosts, preferences):
    """One unique host name per host variables dict, in order.

    Each host takes the first preference that has a value no earlier host took; when none is left it
    takes its instance id, so two instances never merge into one Ansible host.
    """
    taken = set()
    names = []
    for hostvars in hosts:
        chosen = None
        for preference in preferences:
            value = hostvars.get(preference)
            if value and value not in taken:
                chosen = value
                break
        if chosen is None:
            chosen = hostvars["instance_id"]
        taken.add(chosen)
        names.append(chosen)
    return names


# ---------------------------------------------------------------------------------------------------------
# Reading a region


def list_region(client, filters):
    """Host variables of every instance of the client's region that ``filters`` select (every page)."""
    region_groups = describe_groups(client)
    group_names = dict((group.get("SecurityGroupId"), group.get("SecurityGroupName")) for group in region_groups)
    instances = {}
    for query in instance_queries(filters, region_groups):
        for instance in client.paginate("DescribeInstances", query, "Instances.Instance", style="token",
                                        page_size=INSTANCES_PAGE_SIZE):
            instances.setdefault(instance.get("InstanceId"), instance)
    return [host_vars(instance, group_names) for instance in instances.values()]
