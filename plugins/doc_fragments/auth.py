# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:
    """Options every cloudwall.alicloud module accepts: credentials, region, endpoint, retries, timeouts."""

    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - AccessKey ID of the Alibaba Cloud account or RAM user.
      - "Credentials are looked up in this order: the O(access_key)/O(secret_key)/O(security_token) or
        O(ecs_role_name) options; the O(profile) option; the E(ALICLOUD_*) environment variables; the
        E(ALIBABA_CLOUD_*) environment variables; the aliyun CLI config file. A key pair and its security token
        always come from the same place."
      - Environment variables E(ALICLOUD_ACCESS_KEY), E(ALICLOUD_ACCESS_KEY_ID), E(ALIBABA_CLOUD_ACCESS_KEY_ID).
    type: str
    aliases: [alicloud_access_key, access_key_id]
  secret_key:
    description:
      - AccessKey secret that goes with O(access_key). Never logged or returned.
      - Environment variables E(ALICLOUD_SECRET_KEY), E(ALICLOUD_SECRET_ACCESS_KEY), E(ALIBABA_CLOUD_ACCESS_KEY_SECRET).
    type: str
    aliases: [alicloud_secret_key, access_key_secret, secret_access_key]
  security_token:
    description:
      - STS security token, for temporary credentials (O(access_key) and O(secret_key) then hold the STS key pair).
      - Environment variables E(ALICLOUD_SECURITY_TOKEN), E(ALIBABA_CLOUD_SECURITY_TOKEN).
    type: str
    aliases: [alicloud_security_token]
  region:
    description:
      - Region of the security groups, for example V(cn-hangzhou). Required in one of its forms.
      - Environment variables E(ALICLOUD_REGION), E(ALICLOUD_REGION_ID), E(ALIBABA_CLOUD_REGION_ID); else the
        C(region_id) of the aliyun CLI profile in use.
    type: str
    aliases: [alicloud_region, region_id]
  profile:
    description:
      - Name of a profile in the aliyun CLI config file (O(shared_credentials_file)).
      - Supported profile modes are C(AK), C(StsToken), C(RamRoleArn) and C(EcsRamRole).
      - Set as an option, the profile is preferred to credentials in environment variables.
      - Environment variables E(ALICLOUD_PROFILE), E(ALIBABA_CLOUD_PROFILE); else the file's C(current) profile.
    type: str
    aliases: [alicloud_profile]
  shared_credentials_file:
    description:
      - Path of the aliyun CLI config file (JSON) that holds O(profile).
      - Environment variable E(ALICLOUD_SHARED_CREDENTIALS_FILE); default C(~/.aliyun/config.json).
    type: path
    aliases: [alicloud_shared_credentials_file]
  assume_role_arn:
    description:
      - ARN of a RAM role to assume through STS with the AccessKey pair, for example
        V(acs:ram::123456789012:role/sg-admin). API calls then run as that role.
      - Environment variables E(ALICLOUD_ASSUME_ROLE_ARN), E(ALIBABA_CLOUD_ROLE_ARN).
    type: str
    aliases: [alicloud_assume_role_arn]
  assume_role_session_name:
    description:
      - Session name used when assuming O(assume_role_arn); shows in ActionTrail.
      - Environment variables E(ALICLOUD_ASSUME_ROLE_SESSION_NAME), E(ALIBABA_CLOUD_ROLE_SESSION_NAME).
      - Defaults to V(cloudwall-alicloud).
    type: str
    aliases: [alicloud_assume_role_session_name]
  assume_role_session_expiration:
    description:
      - Lifetime in seconds of the assumed-role session, from 900 to 43200 (the role's maximum session
        duration applies).
      - Environment variables E(ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION), E(ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION).
      - Defaults to V(3600).
    type: int
    aliases: [alicloud_assume_role_session_expiration]
  ecs_role_name:
    description:
      - Name of the RAM role attached to the ECS instance that runs the module; temporary credentials are
        read from the instance metadata service (C(http://100.100.100.200)).
      - Environment variables E(ALICLOUD_ECS_ROLE_NAME), E(ALIBABA_CLOUD_ECS_METADATA).
    type: str
    aliases: [alicloud_ecs_role_name, role_name]
  endpoint:
    description:
      - ECS API endpoint to send every request to instead of the public one of O(region), as V(host[:port]) or
        V(http(s\)://host[:port]), for example a private endpoint or the local emulator V(http://127.0.0.1:8765).
      - The scheme is HTTPS unless V(http://) is given or the host is a loopback address. Requests to a loopback
        host never go through an HTTP proxy.
      - Environment variable E(ALICLOUD_ECS_ENDPOINT).
      - Plain V(http://) to a host that is not a loopback address is refused before any connection, unless
        O(allow_insecure_endpoint=true).
    type: str
  allow_insecure_endpoint:
    description:
      - Allow an O(endpoint) with plain V(http://) to a host that is not a loopback address.
      - B(Risk:) every request then sends the AccessKeyId, the request signature and any STS token
        (O(security_token)) unencrypted, so anyone on the network path can read them, replay requests within their
        validity, and use a leaked STS token. Use it only on a network you trust entirely, never over the Internet.
      - Plain http to a loopback address (the local emulator) is always allowed.
    type: bool
    default: false
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API endpoint. Only set to V(false) for a private endpoint
        with a self-signed certificate; prefer O(ca_bundle).
    type: bool
    default: true
  ca_bundle:
    description:
      - A PEM file of the CA certificates that verify the TLS certificate of the API endpoint, for a private
        endpoint whose certificate a private CA signed.
      - Without it, the environment variable E(ALIBABA_CLOUD_CA_BUNDLE) or the system's CA store is used.
    type: path
  retries:
    description:
      - How many times a failed call is retried after the first attempt, when the failure is temporary
        (throttling, HTTP 5xx, ServiceUnavailable, InternalError, UnknownError, OperationConflict, the 409
        C(InvalidOperation.Conflict) of JoinSecurityGroup, connection errors and timeouts). A TLS failure (a
        certificate that does not verify, a CA bundle that cannot be loaded, an endpoint that does not speak TLS)
        is not retried; it fails at once as C(SDK.TLSError).
      - Retries wait with jittered exponential backoff starting at 0.5 seconds. A mutating call keeps one
        ClientToken across its retries, so a retry never applies a change twice.
    type: int
    default: 8
  retry_max_delay:
    description:
      - Longest single wait, in seconds, between two attempts of a call.
    type: float
    default: 20.0
  retry_timeout:
    description:
      - Total time budget, in seconds, for the retries of one call; no retry starts after it would end.
    type: float
    default: 120.0
  connect_timeout:
    description:
      - Seconds to wait for a connection to the API endpoint.
    type: int
    default: 5
  read_timeout:
    description:
      - Seconds to wait for the answer of one API request.
    type: int
    default: 10
requirements:
  - python >= 3.9
  - aliyun-python-sdk-core >= 2.13 and aliyun-python-sdk-ecs >= 4.24, for RAM role credentials only (O(assume_role_arn),
    O(ecs_role_name)); access keys and STS tokens are signed by the collection itself
notes:
  - Requests honour E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY), except to a loopback endpoint (the emulator).
  - Every request goes to the ECS OpenAPI version 2014-05-26.
  - Use O(endpoint) with the collection's emulator (C(python -m emulator)) to run playbooks without a cloud account.
"""
