# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One in-memory ECS for every module unit test, answering at the SDK boundary.

The modules run unchanged through ``main()``: their client is real, only its sender's
``do_action_with_exception`` is replaced (see conftest.py), so the fake sees exactly what would go on the wire
(the action and its flat ``Name.N.Field`` query) and answers with the JSON shapes of ECS_API.md. Errors are
raised as the sender raises them (_rpc.ServerError), so retries and error reporting run too.

State is plain dicts, seeded by the test: ``add_group``, ``add_instance``, ``add_eni``, ``add_reference``.
Every request is recorded in ``calls`` as ``(action, params)``; ``writes()`` lists the mutating ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

from ansible_collections.cloudwall.alicloud.plugins.module_utils._rpc import ServerError as ServerException

VPC = "vpc-aaaaaaaaaaaaaaaaaaaa"
REQUEST_ID = "FAKE-REQUEST-0001"

# Every key a Permission of DescribeSecurityGroupAttribute carries; unset ones are empty strings.
PERMISSION_KEYS = ("SecurityGroupRuleId", "Direction", "IpProtocol", "PortRange", "SourcePortRange", "SourceCidrIp",
                   "Ipv6SourceCidrIp", "SourceGroupId", "SourceGroupName", "SourceGroupOwnerAccount", "SourcePrefixListId",
                   "SourcePrefixListName", "DestCidrIp", "Ipv6DestCidrIp", "DestGroupId", "DestGroupName",
                   "DestGroupOwnerAccount", "DestPrefixListId", "DestPrefixListName", "Policy", "Priority", "NicType",
                   "Description", "CreateTime")


def permission(rule_id, port, cidr="0.0.0.0/0", direction="ingress", description="", policy="Accept", priority=1,
               protocol="TCP", **fields):
    """A Permission as DescribeSecurityGroupAttribute returns it (``fields`` override any key)."""
    item = dict((key, "") for key in PERMISSION_KEYS)
    peer = "DestCidrIp" if direction == "egress" else "SourceCidrIp"
    item.update({"SecurityGroupRuleId": rule_id, "Direction": direction, "IpProtocol": protocol,
                 "PortRange": "%d/%d" % (port, port), peer: cidr, "Policy": policy, "Priority": priority,
                 "NicType": "intranet", "Description": description, "CreateTime": "2026-01-01T00:00:00Z"})
    item.update(fields)
    return item


# --- reading the flat query -----------------------------------------------------------------------------------

def indexed(query, name):
    """``Name.1``, ``Name.2``, ... in order, or the JSON array some filters take in ``Name`` itself."""
    if name in query:
        value = query[name]
        return json.loads(value) if value.startswith("[") else [value]
    values = []
    index = 1
    while "%s.%d" % (name, index) in query:
        values.append(query["%s.%d" % (name, index)])
        index += 1
    return values


def indexed_dicts(query, name):
    """``Name.N.Field`` -> ``[{Field: value}, ...]`` in N order."""
    found = {}
    prefix = name + "."
    for key, value in query.items():
        if key.startswith(prefix):
            number, _dot, field = key[len(prefix):].partition(".")
            if field:
                found.setdefault(int(number), {})[field] = value
    return [found[number] for number in sorted(found)]


def tags_in(query):
    return dict((tag["Key"], tag.get("Value", "")) for tag in indexed_dicts(query, "Tag"))


def tag_list(tags):
    return [{"TagKey": key, "TagValue": value} for key, value in tags.items()]


class FakeEcs:
    """The ECS subset the modules use, one region, one account."""

    def __init__(self):
        self.groups = {}        # id -> group dict (API keys) with "Tags" as a dict and "Permissions" as a list
        self.instances = {}     # id -> {"vpc": ..., "groups": [...], "status": ..., "network_type": ...}
        self.enis = {}          # id -> {"vpc": ..., "groups": [...]}
        self.references = {}    # group id -> ids of groups whose rules reference it
        self.calls = []
        self.errors = []        # scripted failures, see fail()
        self.delay = 0.0        # seconds each request takes (concurrency tests)
        self.in_flight = 0
        self.max_in_flight = 0
        self._next_id = 0
        self._lock = threading.Lock()

    # --- seeding --------------------------------------------------------------------------------------------

    def add_group(self, group_id, name, vpc_id=VPC, description="", group_type="normal", policy="Accept",
                  resource_group_id="", tags=None, permissions=()):
        self.groups[group_id] = {
            "SecurityGroupId": group_id, "SecurityGroupName": name, "Description": description, "VpcId": vpc_id,
            "SecurityGroupType": group_type, "InnerAccessPolicy": policy, "ResourceGroupId": resource_group_id,
            "CreationTime": "2026-01-01T00:00:00Z", "Tags": dict(tags or {}),
            "Permissions": [dict(item) for item in permissions],
        }
        return group_id

    def add_instance(self, instance_id, groups, vpc_id=VPC, status="Running"):
        self.instances[instance_id] = {"vpc": vpc_id, "groups": list(groups), "status": status}

    def add_eni(self, eni_id, groups, vpc_id=VPC):
        self.enis[eni_id] = {"vpc": vpc_id, "groups": list(groups)}

    def add_reference(self, group_id, referencing_id):
        self.references.setdefault(group_id, []).append(referencing_id)

    def fail(self, action, code, message="refused by the fake", http_status=400, times=None, when=None):
        """Make ``action`` fail with ``code`` (``times`` times, or always), for requests where ``when(params)``."""
        self.errors.append({"action": action, "code": code, "message": message, "http_status": http_status,
                            "times": times, "when": when})

    # --- what happened --------------------------------------------------------------------------------------

    def actions(self):
        return [action for action, _params in self.calls]

    def writes(self):
        return [(action, params) for action, params in self.calls if not action.startswith(("Describe", "List"))]

    def write_actions(self):
        return [action for action, _params in self.writes()]

    def count(self, action):
        return self.actions().count(action)

    def tags(self, group_id):
        return dict(self.groups[group_id]["Tags"])

    def members(self, target_id):
        return list((self.instances.get(target_id) or self.enis[target_id])["groups"])

    # --- the wire boundary ----------------------------------------------------------------------------------

    def handle(self, request):
        """What RpcSender.do_action_with_exception returns for ``request``: the answer as bytes, or raises."""
        action = request.get_action_name()
        params = dict((key, str(value)) for key, value in request.get_query_params().items())
        with self._lock:
            self.calls.append((action, params))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            with self._lock:
                self._raise_scripted(action, params)
                handler = getattr(self, action, None)
                if handler is None:
                    raise AssertionError("the fake ECS does not implement %s" % action)
                answer = handler(params)
            answer.setdefault("RequestId", REQUEST_ID)
            return json.dumps(answer).encode("utf-8")
        finally:
            with self._lock:
                self.in_flight -= 1

    def _raise_scripted(self, action, params):
        for error in self.errors:
            if error["action"] != action or error["times"] == 0:
                continue
            if error["when"] is not None and not error["when"](params):
                continue
            if error["times"] is not None:
                error["times"] -= 1
            raise ServerException(error["code"], error["message"], http_status=error["http_status"], request_id=REQUEST_ID)

    def _new_id(self, prefix):
        self._next_id += 1
        return "%s-new%017d" % (prefix, self._next_id)

    def _group(self, group_id):
        if group_id not in self.groups:
            raise ServerException("InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.",
                                  http_status=404, request_id=REQUEST_ID)
        return self.groups[group_id]

    @staticmethod
    def _page(items, params, key):
        """Token paging (MaxResults/NextToken) or page paging (PageNumber/PageSize), as the request asks."""
        if "PageNumber" in params or "PageSize" in params:
            size = int(params.get("PageSize", 10))
            start = (int(params.get("PageNumber", 1)) - 1) * size
            return {key: items[start:start + size], "TotalCount": len(items), "PageSize": size,
                    "PageNumber": int(params.get("PageNumber", 1))}
        size = int(params.get("MaxResults", 10))
        start = int(params.get("NextToken") or 0)
        more = start + size < len(items)
        return {key: items[start:start + size], "NextToken": str(start + size) if more else ""}

    @staticmethod
    def _wrap(answer, outer, inner):
        answer[outer] = {inner: answer.pop(outer)}
        return answer

    # --- groups ---------------------------------------------------------------------------------------------

    def _group_item(self, group):
        item = dict((key, value) for key, value in group.items() if key not in ("Permissions", "InnerAccessPolicy"))
        item["Tags"] = {"Tag": tag_list(group["Tags"])}
        return item

    def DescribeSecurityGroups(self, params):
        found = list(self.groups.values())
        ids = indexed(params, "SecurityGroupIds")
        if ids:
            found = [group for group in found if group["SecurityGroupId"] in ids]
        for field in ("SecurityGroupName", "VpcId", "SecurityGroupType", "ResourceGroupId"):
            if field in params:
                found = [group for group in found if group[field] == params[field]]
        if "NetworkType" in params:
            found = [group for group in found if bool(group["VpcId"]) == (params["NetworkType"] == "vpc")]
        for key, value in tags_in(params).items():
            found = [group for group in found if group["Tags"].get(key) == value]
        answer = self._page([self._group_item(group) for group in found], params, "SecurityGroups")
        return self._wrap(answer, "SecurityGroups", "SecurityGroup")

    def DescribeSecurityGroupAttribute(self, params):
        group = self._group(params["SecurityGroupId"])
        rules = [dict(item) for item in group["Permissions"]
                 if params.get("Direction", "all") in ("all", item["Direction"])]
        answer = self._page(rules, params, "Permissions")
        answer.update((key, group[key]) for key in ("SecurityGroupId", "SecurityGroupName", "Description", "VpcId",
                                                    "InnerAccessPolicy"))
        return self._wrap(answer, "Permissions", "Permission")

    def CreateSecurityGroup(self, params):
        group_id = self._new_id("sg")
        group_type = params.get("SecurityGroupType", "normal")
        self.add_group(group_id, params.get("SecurityGroupName", ""), vpc_id=params.get("VpcId", ""),
                       description=params.get("Description", ""), group_type=group_type,
                       policy="Drop" if group_type == "enterprise" else "Accept",
                       resource_group_id=params.get("ResourceGroupId", ""), tags=tags_in(params))
        return {"SecurityGroupId": group_id}

    def ModifySecurityGroupAttribute(self, params):
        group = self._group(params["SecurityGroupId"])
        for field in ("SecurityGroupName", "Description"):
            if field in params:
                group[field] = params[field]
        return {}

    def ModifySecurityGroupPolicy(self, params):
        self._group(params["SecurityGroupId"])["InnerAccessPolicy"] = params["InnerAccessPolicy"]
        return {}

    def DeleteSecurityGroup(self, params):
        group_id = params["SecurityGroupId"]
        self._group(group_id)
        members = [target for target in list(self.instances.values()) + list(self.enis.values()) if group_id in target["groups"]]
        if members or [other for other in self.references.get(group_id, []) if other != group_id]:
            # As the API: a group with members or referenced by other groups is not deleted, and nothing changes.
            raise ServerException("DependencyViolation", "There is still instance(s) in the specified security group.",
                                  http_status=403, request_id=REQUEST_ID)
        del self.groups[group_id]
        return {}

    def DescribeSecurityGroupReferences(self, params):
        return {"SecurityGroupReferences": {"SecurityGroupReference": [
            {"SecurityGroupId": group_id, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": [
                {"SecurityGroupId": other} for other in self.references.get(group_id, [])]}}
            for group_id in indexed(params, "SecurityGroupId")]}}

    # --- tags -----------------------------------------------------------------------------------------------

    def ListTagResources(self, params):
        items = [{"ResourceId": group_id, "ResourceType": "securitygroup", "TagKey": key, "TagValue": value}
                 for group_id in indexed(params, "ResourceId") if group_id in self.groups
                 for key, value in self.groups[group_id]["Tags"].items()]
        return self._wrap(self._page(items, params, "TagResources"), "TagResources", "TagResource")

    def TagResources(self, params):
        for group_id in indexed(params, "ResourceId"):
            self._group(group_id)["Tags"].update(tags_in(params))
        return {}

    def UntagResources(self, params):
        for group_id in indexed(params, "ResourceId"):
            for key in indexed(params, "TagKey"):
                self._group(group_id)["Tags"].pop(key, None)
        return {}

    # --- rules ----------------------------------------------------------------------------------------------

    def _authorize(self, params, direction):
        group = self._group(params["SecurityGroupId"])
        for fields in indexed_dicts(params, "Permissions"):
            item = permission(self._new_id("sgr"), 1, cidr="", direction=direction)
            item.update(fields)
            item.update(IpProtocol=fields["IpProtocol"].upper(), Policy=fields.get("Policy", "accept").capitalize(),
                        Priority=int(fields.get("Priority", 1)))
            group["Permissions"].append(item)
        return {}

    def AuthorizeSecurityGroup(self, params):
        return self._authorize(params, "ingress")

    def AuthorizeSecurityGroupEgress(self, params):
        return self._authorize(params, "egress")

    def _revoke(self, params):
        group = self._group(params["SecurityGroupId"])
        gone = set(indexed(params, "SecurityGroupRuleId"))
        group["Permissions"] = [item for item in group["Permissions"] if item["SecurityGroupRuleId"] not in gone]
        return {}

    RevokeSecurityGroup = RevokeSecurityGroupEgress = _revoke

    def _modify_rule(self, params):
        for item in self._group(params["SecurityGroupId"])["Permissions"]:
            if item["SecurityGroupRuleId"] == params["SecurityGroupRuleId"]:
                item["Description"] = params.get("Description", item["Description"])
                return {}
        # ECS_API.md, ModifySecurityGroupRule: an unknown rule id is 404 InvalidSecurityGroupRuleId.NotFound.
        raise ServerException("InvalidSecurityGroupRuleId.NotFound", "The specified SecurityGroupRuleId does not exist.",
                              http_status=404, request_id=REQUEST_ID)

    ModifySecurityGroupRule = ModifySecurityGroupEgressRule = _modify_rule

    # --- instances, ENIs and membership ---------------------------------------------------------------------

    def DescribeInstances(self, params):
        ids = indexed(params, "InstanceIds")
        items = [{"InstanceId": instance_id, "Status": instance["status"], "InstanceNetworkType": "vpc" if instance["vpc"] else "classic",
                  "VpcAttributes": {"VpcId": instance["vpc"]}, "SecurityGroupIds": {"SecurityGroupId": list(instance["groups"])}}
                 for instance_id, instance in self.instances.items()
                 if (not ids or instance_id in ids)
                 and ("SecurityGroupId" not in params or params["SecurityGroupId"] in instance["groups"])
                 and params.get("VpcId", instance["vpc"]) == instance["vpc"]
                 and params.get("InstanceNetworkType", "vpc" if instance["vpc"] else "classic") == ("vpc" if instance["vpc"] else "classic")]
        return self._wrap(self._page(items, params, "Instances"), "Instances", "Instance")

    def DescribeNetworkInterfaces(self, params):
        ids = indexed(params, "NetworkInterfaceId")
        # Every ENI of the fake is a secondary one (an instance's primary ENI is the instance itself here).
        items = [{"NetworkInterfaceId": eni_id, "Status": "Available", "VpcId": eni["vpc"], "Type": "Secondary",
                  "SecurityGroupIds": {"SecurityGroupId": list(eni["groups"])}}
                 for eni_id, eni in self.enis.items()
                 if (not ids or eni_id in ids)
                 and ("SecurityGroupId" not in params or params["SecurityGroupId"] in eni["groups"])
                 and params.get("VpcId", eni["vpc"]) == eni["vpc"] and params.get("Type", "Secondary") == "Secondary"]
        return self._wrap(self._page(items, params, "NetworkInterfaceSets"), "NetworkInterfaceSets", "NetworkInterfaceSet")

    def _target(self, params):
        return self.instances.get(params.get("InstanceId")) or self.enis[params["NetworkInterfaceId"]]

    def JoinSecurityGroup(self, params):
        self._target(params)["groups"].append(params["SecurityGroupId"])
        return {}

    def LeaveSecurityGroup(self, params):
        self._target(params)["groups"].remove(params["SecurityGroupId"])
        return {}

    def ModifyInstanceAttribute(self, params):
        self.instances[params["InstanceId"]]["groups"] = indexed(params, "SecurityGroupIds")
        return {}

    def ModifyNetworkInterfaceAttribute(self, params):
        self.enis[params["NetworkInterfaceId"]]["groups"] = indexed(params, "SecurityGroupId")
        return {}
