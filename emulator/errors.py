"""ECS error codes with their HTTP statuses and default messages, in one table."""

from __future__ import annotations

# code -> (HTTP status, default message). Codes and statuses follow shared/ECS_API.md; where it names no code
# for a case, the choice made here is the one place to change it.
ERRORS: dict[str, tuple[int, str]] = {
    # Common, protocol and authentication
    "MissingParameter": (400, 'The input parameter "{name}" that is mandatory for processing this request is not supplied.'),
    "InvalidParameter": (400, "The specified parameter is not valid."),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
    "SignatureNonceUsed": (400, "The request signature nonce has been used."),
    # Alibaba Cloud common error codes: IllegalTimestamp for a Timestamp not supplied (or malformed), and
    # InvalidTimeStamp.Expired for one more than 15 minutes from the server's clock.
    "IllegalTimestamp": (400, 'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.'),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "InvalidAccessKeyId.NotFound": (400, "Specified access key is not found."),
    "InvalidSecurityToken.Malformed": (403, "The specified SecurityToken is malformed or does not match the AccessKeyId."),
    "InvalidSecurityToken.Expired": (403, "The specified SecurityToken is expired."),
    "Throttling": (400, "Request was denied due to request throttling."),
    "IdempotentParameterMismatch": (400, "The request uses the same client token as a previous, but non-identical request."),
    "InvalidClientToken.Malformed": (400, "The ClientToken must be ASCII and at most 64 characters long."),
    "InvalidAction": (403, "Specified api is not found, please check your url and method."),
    "InvalidRegionId.NotFound": (404, "The specified RegionId does not exist."),
    "NotSupported.PageNumberAndPageSize": (400, "PageNumber/PageSize and MaxResults/NextToken cannot be used in one request."),
    "InvalidNextToken.Malformed": (400, "The specified NextToken is not valid."),
    "InternalError": (500, "The request processing has failed due to some unknown error."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
    # Security groups
    "InvalidSecurityGroupId.NotFound": (404, "The specified SecurityGroupId does not exist."),
    # DeleteSecurityGroup's code today (API reference error table); other actions keep the one above.
    "InvalidSecurityGroup.NotFound": (404, "The specified security group does not exist."),
    "InvalidOperation.ResourceManagedByCloudProduct": (403, "The security group is managed by a cloud product and cannot be modified."),
    "InvalidSecurityGroupName.Malformed": (400, "The specified SecurityGroupName is not valid."),
    "InvalidDescription.Malformed": (400, "The specified Description is not valid."),
    "InvalidSecurityGroupType.Malformed": (400, "The SecurityGroupType must be normal or enterprise."),
    "InvalidSecurityGroupType.NotSupported": (403, "The operation is not supported by this type of security group."),
    "InvalidVpcId.NotFound": (404, "The specified VpcId does not exist."),
    "QuotaExceed.SecurityGroup": (403, "The maximum number of security groups in this region is reached."),
    "DependencyViolation": (403, "There is still instance(s) in the specified security group."),
    "InvalidPolicy.Malformed": (400, "The InnerAccessPolicy is invalid. Only Accept and Drop are supported."),
    "InvalidNicType.ValueNotSupported": (400, "The specified NicType is not valid. Only internet and intranet are supported."),
    # Rules
    "InvalidIpProtocol.ValueNotSupported": (400, "The specified IpProtocol is not supported. Valid values: TCP, UDP, ICMP, GRE, ICMPv6, ALL."),
    "InvalidParam.PortRange": (400, "The specified PortRange must be two integers between 1 and 65535 in ?/? format, start not above end."),
    "InvalidPortRange.Malformed": (400, "The PortRange parameter is mandatory and must be in ?/? format."),
    "InvalidSourcePortRange.Malformed": (400, "The specified SourcePortRange must be two integers between 1 and 65535 in ?/? format."),
    "OperationDenied": (400, "The specified IpProtocol does not match the port range."),
    "InvalidPriority.Malformed": (400, "The Priority must be an integer from 1 to 100."),
    "InvalidSourceCidrIp.Malformed": (400, "The specified source CIDR block is not valid."),
    "InvalidDestCidrIp.Malformed": (400, "The specified destination CIDR block is not valid."),
    "MissingParameter.Source": (400, "One of SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId and SourcePrefixListId must be set."),
    "MissingParameter.Dest": (400, "One of DestCidrIp, Ipv6DestCidrIp, DestGroupId and DestPrefixListId must be set."),
    "InvalidParam.DuplicatePermissions": (400, "The request contains duplicate permissions."),
    "InvalidParam.SourceIp": (400, "SourceCidrIp and Ipv6SourceCidrIp cannot be set at the same time."),
    "InvalidParam.DestIp": (400, "DestCidrIp and Ipv6DestCidrIp cannot be set at the same time."),
    "InvalidGroupParameter.OperationDenied": (400, "Enterprise security groups only take rules with policy accept."),
    "InvalidSourceGroupId.Mismatch": (400, "The specified source security group is not in the same VPC."),
    "InvalidDestGroupId.Mismatch": (400, "The specified destination security group is not in the same VPC."),
    "InvalidGroupAuthParameter.OperationDenied": (400, "Enterprise security groups do not support security group authorization."),
    "AuthorizedGroupRule.LimitExceed": (400, "The number of security groups referenced by this security group exceeds the limit."),
    "AuthorizationLimitExceed": (403, "The number of rules in the security group exceeds the limit."),
    "InvalidParamter.Conflict": (403, "A security group cannot authorize itself."),
    "InvalidNetworkType.Mismatch": (403, "The network types of the two security groups do not match."),
    "InvalidSourceGroupId.NotFound": (404, "The specified SourceGroupId does not exist."),
    "InvalidDestGroupId.NotFound": (404, "The specified DestGroupId does not exist."),
    "InvalidPrefixListId.NotFound": (404, "The specified prefix list does not exist."),
    "InvalidPortRangeListId.NotFound": (404, "The specified port list does not exist."),
    "InvalidSecurityGroupRuleId.NotFound": (404, "The specified SecurityGroupRuleId does not exist."),
    "InvalidSecurityGroupRule.RuleNotExist": (400, "The specified rule does not exist in the security group."),
    # RevokeSecurityGroup(Egress) by an unknown rule id since 2024-07-08 (API reference error table).
    "InvalidParam.SecurityGroupRuleId": (400, "The specified SecurityGroupRuleId is not valid."),
    "InvalidOperation.RuleDuplicate": (400, "The modified rule would duplicate an existing rule."),
    "InvalidOperation.ModifyNicType": (400, "The NicType of a rule cannot be modified."),
    "InvalidOperation.ModifyPeerType": (400, "The kind of peer of a rule (CIDR, IPv6 CIDR, group, prefix list) cannot be modified."),
    # Instances, ENIs and membership
    "InvalidInstanceId.NotFound": (404, "The specified InstanceId does not exist."),
    "InvalidEniId.NotFound": (404, "The specified NetworkInterfaceId does not exist."),
    "InvalidInstanceId.AlreadyExists": (403, "The instance already belongs to the specified security group."),
    "InstanceSecurityGroupLimitExceeded": (400, "Exceeding the allowed amount of security groups this instance can be in."),
    "InvalidInstanceId.Mismatch": (400, "The instance and the security group are not in the same network (classic or VPC, and VPC)."),
    "IncorrectInstanceStatus": (403, "The current status of the resource does not support this operation."),
    "InstanceLastSecurityGroup": (403, "The specified security group is the last security group for the instance."),
    "InvalidSecurityGroupAssociation.NotFound": (400, "The instance does not belong to the specified security group."),
    "InvalidOperation.MultiGroupType": (400, "An instance cannot be in normal and enterprise security groups at the same time."),
    "InvalidOperation.Conflict": (409, "The request conflicts with another operation on the resource; try again later."),
    "InvalidInstanceName.Malformed": (400, "The specified InstanceName is not valid."),
    # Tags
    "InvalidTagKey.Malformed": (400, "The specified tag key is not valid."),
    "InvalidTagValue.Malformed": (400, "The specified tag value is not valid."),
    "Duplicate.TagKey": (400, "The request contains duplicate tag keys."),
    "NumberExceed.Tags": (400, "The maximum number of tags in one request is exceeded."),
    "NumberExceed.ResourceIds": (400, "The maximum number of resource ids in one request is exceeded."),
    "OperationDenied.QuotaExceed": (400, "The maximum number of tags on a resource is exceeded."),
    "InvalidResourceId.NotFound": (404, "The specified resource does not exist."),
    "InvalidResourceType.NotFound": (404, "The specified ResourceType does not exist."),
}

# DeleteSecurityGroup has two refusals under one code.
MSG_DEPENDENCY_MEMBERS = "There is still instance(s) in the specified security group."
MSG_DEPENDENCY_REFERENCED = "The specified security group has been authorized in another one."


class EcsError(Exception):
    """An ECS API error: code, HTTP status and message as the real service answers them."""

    def __init__(self, code: str, message: str | None = None, status: int | None = None, **fmt: str):
        table_status, default = ERRORS[code]
        status = status or table_status
        if message is None:
            message = default.format(**fmt) if fmt else default
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message


def missing(name: str) -> EcsError:
    """The MissingParameter error naming the parameter."""
    return EcsError("MissingParameter", name=name)


def invalid(name: str, value: object, allowed: str) -> EcsError:
    """An InvalidParameter error naming the parameter, the bad value and what is allowed."""
    return EcsError("InvalidParameter", f'The specified parameter "{name}" is not valid: {value!r}; {allowed}.')
