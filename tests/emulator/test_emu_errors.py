# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every error code the emulator produces, with its HTTP status as the SDK reports it (ECS_API.md sections 2-3).

One table: each case names the request class, the setters (a function of the seeded World, so cases can point
at its groups and instances), an optional preparation through the SDK or the admin API, and the expected
(HTTP status, code). The last column of some cases also pins the message where ECS_API.md quotes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Optional

import pytest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupEgressRequest import AuthorizeSecurityGroupEgressRequest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DeleteSecurityGroupRequest import DeleteSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupAttributeRequest import ModifySecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupEgressRuleRequest import ModifySecurityGroupEgressRuleRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupPolicyRequest import ModifySecurityGroupPolicyRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupRuleRequest import ModifySecurityGroupRuleRequest
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupEgressRequest import RevokeSecurityGroupEgressRequest
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupRequest import RevokeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.TagResourcesRequest import TagResourcesRequest
from aliyunsdkecs.request.v20140526.UntagResourcesRequest import UntagResourcesRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_CLASSIC_INSTANCE,
    DEMO_ENI_FREE,
    DEMO_SG_CLASSIC,
    DEMO_SG_VPC,
    DEMO_WEB1,
    World,
    tcp_rule,
)

W = World


@dataclass(frozen=True)
class ErrorCase:
    name: str
    request: type
    params: Callable[[World], dict]
    status: int
    codes: tuple  # the code ECS_API.md names; two only where it names both spellings
    prepare: Optional[Callable[[World], None]] = None
    message: Optional[str] = None


def case(name, request, params, status, code, prepare=None, message=None):
    codes = code if isinstance(code, tuple) else (code,)
    return ErrorCase(name, request, params, status, codes, prepare, message)


def rules_for(group_id, *permissions):
    """Setters of an authorize or revoke call carrying these Permissions."""
    return lambda w: {"SecurityGroupId": group_id, "Permissions": list(permissions)}


def set_quotas(**quotas):
    return lambda w: w.admin.quotas(**quotas)


def _authorize_web_22(w):
    w.authorize(W.SG_WEB, tcp_rule(22))


def _authorize_web_22_and_80(w):
    w.authorize(W.SG_WEB, tcp_rule(22), tcp_rule(80))


def _web_rule_id(w, port):
    return next(r["SecurityGroupRuleId"] for r in w.rules(W.SG_WEB) if r["PortRange"] == "%s/%s" % (port, port))


def _classic_internet_rule(w):
    w.authorize(DEMO_SG_CLASSIC, tcp_rule(22, NicType="internet"))


def _classic_references_classic2(w):
    """SG_CLASSIC2 has no members, so only the reference can stop its deletion."""
    w.authorize(DEMO_SG_CLASSIC, {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": W.SG_CLASSIC2,
                                  "NicType": "intranet"})


def _token_used_once(w):
    w.ecs.call(CreateSecurityGroupRequest, SecurityGroupName="first", ClientToken="token-mismatch-1")


def _fifty_one_groups(w):
    w.bulk_groups = w.seed_groups(51)  # all exist, so only their number is wrong


def _web_has_two_tags(w):
    w.ecs.call(TagResourcesRequest, ResourceType="securitygroup", ResourceIds=[W.SG_WEB],
               Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])


MISSING_SG_ACTIONS = [
    DescribeSecurityGroupAttributeRequest, DeleteSecurityGroupRequest, ModifySecurityGroupAttributeRequest,
    ModifySecurityGroupPolicyRequest, AuthorizeSecurityGroupRequest, AuthorizeSecurityGroupEgressRequest,
    RevokeSecurityGroupRequest, RevokeSecurityGroupEgressRequest,
]


def _missing_group_params(request):
    params = {"SecurityGroupId": W.MISSING_SG}
    if request is ModifySecurityGroupPolicyRequest:
        params["InnerAccessPolicy"] = "Accept"
    if request in (AuthorizeSecurityGroupRequest, RevokeSecurityGroupRequest):
        params["Permissions"] = [tcp_rule(22)]
    if request in (AuthorizeSecurityGroupEgressRequest, RevokeSecurityGroupEgressRequest):
        params["Permissions"] = [{"IpProtocol": "tcp", "PortRange": "22/22", "DestCidrIp": "10.0.0.0/8"}]
    return lambda w: params


CASES = [
    # Common
    case("missing-security-group-id", DescribeSecurityGroupAttributeRequest, lambda w: {}, 400, "MissingParameter"),
    case("paging-styles-mixed", DescribeSecurityGroupsRequest, lambda w: {"PageNumber": 1, "MaxResults": 10},
         400, "NotSupported.PageNumberAndPageSize"),
    case("paging-size-and-max-results", DescribeSecurityGroupsRequest, lambda w: {"PageSize": 10, "MaxResults": 10},
         400, "NotSupported.PageNumberAndPageSize"),
    case("client-token-reused-with-other-params", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "second", "ClientToken": "token-mismatch-1"}, 400,
         "IdempotentParameterMismatch", prepare=_token_used_once),
] + [
    case("group-not-found-" + request.__name__, request, _missing_group_params(request), 404,
         "InvalidSecurityGroupId.NotFound", message="The specified SecurityGroupId does not exist.")
    for request in MISSING_SG_ACTIONS if request is not DeleteSecurityGroupRequest
] + [
    # Today's code of DeleteSecurityGroup for a missing group (API reference, DeleteSecurityGroup error table).
    case("delete-group-not-found", DeleteSecurityGroupRequest, _missing_group_params(DeleteSecurityGroupRequest), 404,
         "InvalidSecurityGroup.NotFound"),
] + [
    # CreateSecurityGroup / ModifySecurityGroupAttribute
    case("name-too-short", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "a"}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("name-too-long", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "a" * 129}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("name-starts-with-digit", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "1web"}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("name-is-url", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "http://web"}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("name-has-space", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "web tier"}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("description-too-short", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "Description": "x"}, 400,
         ("InvalidDescription.Malformed", "InvalidSecurityGroupDiscription.Malformed")),
    case("description-too-long", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "Description": "x" * 257}, 400,
         ("InvalidDescription.Malformed", "InvalidSecurityGroupDiscription.Malformed")),
    case("description-is-url", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "Description": "https://example.com"}, 400,
         ("InvalidDescription.Malformed", "InvalidSecurityGroupDiscription.Malformed")),
    case("vpc-not-found", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "VpcId": W.MISSING_VPC}, 404, "InvalidVpcId.NotFound"),
    case("group-quota", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "one-too-many"}, 403,
         "QuotaExceed.SecurityGroup", prepare=set_quotas(groups_per_region=7)),
    case("create-tag-key-reserved", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "Tags": [{"Key": "aliyun-env", "Value": "x"}]}, 400,
         "InvalidTagKey.Malformed"),
    case("create-tag-key-duplicate", CreateSecurityGroupRequest,
         lambda w: {"SecurityGroupName": "web", "Tags": [{"Key": "env", "Value": "a"}, {"Key": "env", "Value": "b"}]},
         400, "Duplicate.TagKey"),
    case("rename-malformed", ModifySecurityGroupAttributeRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupName": "-bad"}, 400,
         "InvalidSecurityGroupName.Malformed"),
    case("policy-malformed", ModifySecurityGroupPolicyRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "InnerAccessPolicy": "Maybe"}, 400, "InvalidPolicy.Malformed"),
    case("describe-nic-type-bogus", DescribeSecurityGroupAttributeRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_CLASSIC, "NicType": "bogus"}, 400, "InvalidNicType.ValueNotSupported"),
    # DeleteSecurityGroup
    case("delete-with-members", DeleteSecurityGroupRequest, lambda w: {"SecurityGroupId": DEMO_SG_VPC}, 403,
         "DependencyViolation", message="There is still instance(s) in the specified security group."),
    case("delete-referenced", DeleteSecurityGroupRequest, lambda w: {"SecurityGroupId": W.SG_CLASSIC2}, 403,
         "DependencyViolation", prepare=_classic_references_classic2,
         message="The specified security group has been authorized in another one."),
    # AuthorizeSecurityGroup: rule validation
    case("protocol-unsupported", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, IpProtocol="sctp")), 400, "InvalidIpProtocol.ValueNotSupported"),
    case("port-range-single-number", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, PortRange="22")), 400, "InvalidParam.PortRange"),
    case("port-range-words", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, PortRange="a/b")), 400, "InvalidParam.PortRange"),
    case("port-range-zero", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, PortRange="0/22")), 400, "InvalidParam.PortRange"),
    case("port-range-reversed", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, PortRange="30/20")), 400, "InvalidParam.PortRange"),
    case("port-range-above-65535", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, PortRange="1/65536")), 400, "InvalidParam.PortRange"),
    case("port-range-missing", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "SourceCidrIp": "10.0.0.0/8"}), 400, "InvalidPortRange.Malformed"),
    case("icmp-with-ports", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, IpProtocol="icmp")), 400, "OperationDenied"),
    case("gre-with-ports", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, IpProtocol="gre", PortRange="1/2")), 400, "OperationDenied"),
    case("policy-bogus", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, Policy="allow")), 400, "InvalidPolicy.Malformed"),
    case("priority-zero", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, Priority="0")), 400, "InvalidPriority.Malformed"),
    case("priority-101", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, Priority="101")), 400, "InvalidPriority.Malformed"),
    case("priority-word", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, Priority="high")), 400, "InvalidPriority.Malformed"),
    case("nic-type-bogus", AuthorizeSecurityGroupRequest,
         rules_for(DEMO_SG_CLASSIC, tcp_rule(22, NicType="bogus")), 400, "InvalidNicType.ValueNotSupported"),
    case("source-cidr-octet-300", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, cidr="10.0.0.300/24")), 400, "InvalidSourceCidrIp.Malformed"),
    case("source-cidr-prefix-33", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, cidr="10.0.0.0/33")), 400, "InvalidSourceCidrIp.Malformed"),
    case("source-cidr-word", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, cidr="anywhere")), 400, "InvalidSourceCidrIp.Malformed"),
    case("dest-cidr-malformed", AuthorizeSecurityGroupEgressRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "DestCidrIp": "1.2.3"}), 400,
         "InvalidDestCidrIp.Malformed"),
    case("ingress-without-peer", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22"}), 400, "MissingParameter.Source"),
    case("egress-without-peer", AuthorizeSecurityGroupEgressRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22"}), 400, "MissingParameter.Dest"),
    case("duplicates-in-one-request", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22), tcp_rule(22)), 400, "InvalidParam.DuplicatePermissions"),
    case("duplicates-differing-in-case", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, tcp_rule(22, Policy="accept"), tcp_rule(22, IpProtocol="TCP", Policy="Accept")), 400,
         "InvalidParam.DuplicatePermissions"),
    # AuthorizeSecurityGroup: peers, network types, quotas
    case("source-group-other-vpc", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.SG_OTHER_VPC}), 400,
         "InvalidSourceGroupId.Mismatch"),
    case("source-group-classic-internet", AuthorizeSecurityGroupRequest,
         rules_for(DEMO_SG_CLASSIC, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.SG_CLASSIC2,
                                     "NicType": "internet"}), 403, "InvalidSourceGroupId.Mismatch"),
    case("enterprise-group-reference", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_ENTERPRISE, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.SG_WEB}), 400,
         "InvalidGroupAuthParameter.OperationDenied"),
    case("group-reference-quota", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.SG_DB},
                   {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DEMO_SG_VPC}), 400,
         "AuthorizedGroupRule.LimitExceed", prepare=set_quotas(group_references=1)),
    case("rule-quota", AuthorizeSecurityGroupRequest, rules_for(W.SG_WEB, tcp_rule(22), tcp_rule(80)), 403,
         "AuthorizationLimitExceed", prepare=set_quotas(rules_per_group=1)),
    case("rule-quota-counts-egress", AuthorizeSecurityGroupEgressRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "DestCidrIp": "0.0.0.0/0"}), 403,
         "AuthorizationLimitExceed", prepare=lambda w: (w.admin.quotas(rules_per_group=1), _authorize_web_22(w))),
    case("group-references-itself", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.SG_WEB}), 403,
         "InvalidParamter.Conflict"),
    case("vpc-group-references-classic", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DEMO_SG_CLASSIC}), 403,
         "InvalidNetworkType.Mismatch"),
    case("source-group-not-found", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": W.MISSING_SG}), 404,
         "InvalidSourceGroupId.NotFound"),
    case("dest-group-not-found", AuthorizeSecurityGroupEgressRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "DestGroupId": W.MISSING_SG}), 404,
         "InvalidDestGroupId.NotFound"),
    case("prefix-list-not-found", AuthorizeSecurityGroupRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourcePrefixListId": W.MISSING_PREFIX_LIST}),
         404, "InvalidPrefixListId.NotFound"),
    # Revoke
    # An unknown rule id: 400 InvalidParam.SecurityGroupRuleId since 2024-07-08 (API reference, RevokeSecurityGroup
    # and RevokeSecurityGroupEgress error tables); 404 InvalidSecurityGroupRuleId.NotFound before.
    case("revoke-rule-id-not-found", RevokeSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupRuleIds": [W.MISSING_RULE]}, 400,
         "InvalidParam.SecurityGroupRuleId"),
    case("revoke-egress-rule-id-not-found", RevokeSecurityGroupEgressRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupRuleIds": [W.MISSING_RULE]}, 400,
         "InvalidParam.SecurityGroupRuleId"),
    case("revoke-permission-matches-nothing", RevokeSecurityGroupRequest, rules_for(W.SG_WEB, tcp_rule(8080)), 400,
         "InvalidSecurityGroupRule.RuleNotExist", prepare=_authorize_web_22),
    case("revoke-ingress-rule-as-egress", RevokeSecurityGroupEgressRequest,
         rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "DestCidrIp": "10.0.0.0/8"}), 400,
         "InvalidSecurityGroupRule.RuleNotExist", prepare=_authorize_web_22),
    # Modify rule
    case("modify-rule-not-found", ModifySecurityGroupRuleRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupRuleId": W.MISSING_RULE, "Description": "x"}, 404,
         "InvalidSecurityGroupRuleId.NotFound"),
    case("modify-egress-rule-not-found", ModifySecurityGroupEgressRuleRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupRuleId": W.MISSING_RULE, "Description": "x"}, 404,
         "InvalidSecurityGroupRuleId.NotFound"),
    case("modify-rule-into-duplicate", ModifySecurityGroupRuleRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "SecurityGroupRuleId": _web_rule_id(w, 80), "PortRange": "22/22",
                    "IpProtocol": "tcp", "SourceCidrIp": "10.0.0.0/8"}, 400, "InvalidOperation.RuleDuplicate",
         prepare=_authorize_web_22_and_80),
    case("modify-rule-nic-type", ModifySecurityGroupRuleRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_CLASSIC, "SecurityGroupRuleId": w.rules(DEMO_SG_CLASSIC)[0][
             "SecurityGroupRuleId"], "NicType": "intranet"}, 400, "InvalidOperation.ModifyNicType",
         prepare=_classic_internet_rule),
    # Join / Leave
    case("join-already-member", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_VPC, "InstanceId": DEMO_WEB1}, 403, "InvalidInstanceId.AlreadyExists"),
    case("join-over-group-limit", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "InstanceId": DEMO_WEB1}, 400, "InstanceSecurityGroupLimitExceeded",
         prepare=set_quotas(groups_per_instance=1)),
    case("join-other-vpc", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_OTHER_VPC, "InstanceId": DEMO_WEB1}, 400, "InvalidInstanceId.Mismatch"),
    case("join-vpc-instance-to-classic", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_CLASSIC2, "InstanceId": DEMO_WEB1}, 400, "InvalidInstanceId.Mismatch"),
    case("join-classic-instance-to-vpc", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "InstanceId": DEMO_CLASSIC_INSTANCE}, 400,
         "InvalidInstanceId.Mismatch"),
    case("join-starting-instance", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_VPC, "InstanceId": W.I_STARTING}, 403, "IncorrectInstanceStatus"),
    case("join-instance-not-found", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "InstanceId": W.MISSING_INSTANCE}, 404, "InvalidInstanceId.NotFound"),
    case("join-group-not-found", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.MISSING_SG, "InstanceId": DEMO_WEB1}, 404,
         "InvalidSecurityGroupId.NotFound"),
    case("join-eni-not-found", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "NetworkInterfaceId": W.MISSING_ENI}, 404, "InvalidEniId.NotFound"),
    case("join-eni-already-member", JoinSecurityGroupRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_VPC, "NetworkInterfaceId": DEMO_ENI_FREE}, 403,
         "InvalidInstanceId.AlreadyExists"),
    case("leave-last-group", LeaveSecurityGroupRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_CLASSIC, "InstanceId": DEMO_CLASSIC_INSTANCE}, 403,
         "InstanceLastSecurityGroup",
         message="The specified security group is the last security group for the instance."),
    case("leave-eni-last-group", LeaveSecurityGroupRequest,
         lambda w: {"SecurityGroupId": DEMO_SG_VPC, "NetworkInterfaceId": DEMO_ENI_FREE}, 403,
         "InstanceLastSecurityGroup"),
    case("leave-not-member", LeaveSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_WEB, "InstanceId": DEMO_WEB1}, 400,
         "InvalidSecurityGroupAssociation.NotFound"),
    case("leave-starting-instance", LeaveSecurityGroupRequest,
         lambda w: {"SecurityGroupId": W.SG_DB, "InstanceId": W.I_STARTING}, 403, "IncorrectInstanceStatus"),
    # Tags
    case("tag-too-many-in-request", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "k%d" % n, "Value": "v"} for n in range(21)]}, 400, "NumberExceed.Tags"),
    case("tag-too-many-resources", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": w.bulk_groups,
                    "Tags": [{"Key": "k", "Value": "v"}]}, 400, "NumberExceed.ResourceIds", prepare=_fifty_one_groups),
    case("tag-duplicate-key", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}, 400, "Duplicate.TagKey"),
    case("tag-key-aliyun-prefix", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "aliyunthing", "Value": "1"}]}, 400, "InvalidTagKey.Malformed"),
    case("tag-key-acs-prefix", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "acs:thing", "Value": "1"}]}, 400, "InvalidTagKey.Malformed"),
    case("tag-key-url", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "http://thing", "Value": "1"}]}, 400, "InvalidTagKey.Malformed"),
    case("tag-key-too-long", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "k" * 129, "Value": "1"}]}, 400, "InvalidTagKey.Malformed"),
    case("tag-value-url", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "k", "Value": "https://x"}]}, 400, "InvalidTagValue.Malformed"),
    case("tag-value-too-long", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB],
                    "Tags": [{"Key": "k", "Value": "v" * 129}]}, 400, "InvalidTagValue.Malformed"),
    case("tag-quota", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.SG_WEB], "Tags": [{"Key": "c", "Value": "3"}]},
         400, "OperationDenied.QuotaExceed", prepare=lambda w: (w.admin.quotas(tags_per_resource=2),
                                                                _web_has_two_tags(w))),
    case("tag-resource-not-found", TagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.MISSING_SG],
                    "Tags": [{"Key": "k", "Value": "v"}]}, 404, "InvalidResourceId.NotFound"),
    case("tag-resource-type-unknown", TagResourcesRequest,
         lambda w: {"ResourceType": "bucket", "ResourceIds": [W.SG_WEB], "Tags": [{"Key": "k", "Value": "v"}]},
         404, "InvalidResourceType.NotFound"),
    case("untag-resource-not-found", UntagResourcesRequest,
         lambda w: {"ResourceType": "securitygroup", "ResourceIds": [W.MISSING_SG], "TagKeys": ["k"]}, 404,
         "InvalidResourceId.NotFound"),
]


@pytest.mark.parametrize("error_case", CASES, ids=[c.name for c in CASES])
def test_error_code_and_status(world, error_case):
    if error_case.prepare:
        error_case.prepare(world)
    before = world.admin.state()
    error = world.ecs.error(error_case.request, **error_case.params(world))
    assert (error.get_http_status(), error.get_error_code()) in [(error_case.status, c) for c in error_case.codes], \
        "got %s %s: %s" % (error.get_http_status(), error.get_error_code(), error.get_error_msg())
    if error_case.message:
        assert error.get_error_msg() == error_case.message
    assert error.get_request_id(), "every error carries a RequestId"
    # A refused call changes nothing.
    assert world.admin.state() == before


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_refused_call_is_logged_with_its_code(world, admin):
    world.ecs.error(JoinSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, InstanceId=DEMO_WEB1)
    last = admin.calls(action="JoinSecurityGroup")[-1]
    assert (last["http_status"], last["code"], last["mutating"]) == (403, "InvalidInstanceId.AlreadyExists", True)


def test_json_array_filter_too_long_is_refused(ecs):
    ids = json.dumps(["sg-%020d" % n for n in range(101)])
    error = ecs.error(DescribeSecurityGroupsRequest, SecurityGroupIds=ids)
    assert error.get_http_status() == 400


# Refusals whose behaviour ECS_API.md defines but whose code it does not name: only the status is pinned.
UNNAMED_CODE_CASES = [
    ("client-token-too-long", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "web",
                                                                     "ClientToken": "t" * 65}),
    ("client-token-not-ascii", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "web",
                                                                      "ClientToken": "令牌"}),
    ("group-type-unknown", CreateSecurityGroupRequest, lambda w: {"SecurityGroupName": "web",
                                                                  "SecurityGroupType": "premium"}),
    ("dest-group-other-vpc", AuthorizeSecurityGroupEgressRequest,
     rules_for(W.SG_WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "DestGroupId": W.SG_OTHER_VPC})),
    ("source-port-range-malformed", AuthorizeSecurityGroupRequest,
     rules_for(W.SG_WEB, tcp_rule(22, SourcePortRange="any"))),
    ("next-token-garbage", DescribeSecurityGroupsRequest, lambda w: {"MaxResults": 10, "NextToken": "garbage"}),
]


@pytest.mark.parametrize("name, request_class, params", UNNAMED_CODE_CASES, ids=[c[0] for c in UNNAMED_CODE_CASES])
def test_refused_with_400(world, name, request_class, params):
    before = world.admin.state()
    error = world.ecs.error(request_class, **params(world))
    assert error.get_http_status() == 400, "%s: got %s %s" % (name, error.get_http_status(), error.get_error_code())
    assert error.get_error_code()
    assert world.admin.state() == before
