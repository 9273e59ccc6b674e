# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lazily loaded SDK signs exactly as a plain AcsClient does, without importing ``cryptography``.

Each side runs in a fresh interpreter (what a module run is), so that what is imported is not hidden by modules
this test process already holds. Time stamp and nonce are fixed on both sides, so the signed requests, URL and
headers, must be byte for byte the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client as client_module

# Six levels up from .../ansible_collections/cloudwall/alicloud/plugins/module_utils/_client.py.
COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(client_module.__file__), *[os.pardir] * 5))

COMMON = r'''
import json, sys
from aliyunsdkcore.utils import parameter_helper
parameter_helper.get_iso_8061_date = lambda: "2026-11-26T09:00:00Z"
parameter_helper.get_uuid = lambda: "fixed-nonce-1"
QUERY = {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1", "Permissions.1.IpProtocol": "tcp",
         "Permissions.1.PortRange": "443/443", "Permissions.1.SourceCidrIp": "10.0.0.0/24",
         "Permissions.1.Description": "a b+c/d", "ClientToken": "token-1"}
MODE = sys.argv[1]


def dump(acs, request, host):
    response = acs._make_http_response(host, request, 10, 5)
    print(json.dumps({"url": response.get_url(), "headers": dict(response.get_headers()), "method": response.get_method(),
                      "body": response.get_body(), "cryptography": "cryptography" in sys.modules}, sort_keys=True))
'''

# The collection's path: build_acs_client and the request EcsClient.call() would send.
LAZY = COMMON + r'''
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import Credentials
if MODE == "AK":
    credentials = Credentials("AK", "cn-hangzhou", "options", access_key="LTAIkey", secret_key="Secret/Value+1")
else:
    credentials = Credentials("StsToken", "cn-hangzhou", "options", access_key="STS.key", secret_key="Secret/Value+1",
                              security_token="token/with+chars")
endpoint = _client.parse_endpoint("http://127.0.0.1:8765")
acs = _client.build_acs_client(credentials, endpoint)
client = _client.EcsClient(acs, "cn-hangzhou", endpoint=endpoint)
dump(acs, client.sdk_request("AuthorizeSecurityGroup", QUERY), endpoint.host)
'''

# The SDK as its documentation shows it: AcsClient and the ECS request class.
PLAIN = COMMON + r'''
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
options = dict(region_id="cn-hangzhou", auto_retry=False, max_retry_time=0, connect_timeout=5, timeout=10,
               proxy={"http": None, "https": None})
if MODE == "AK":
    acs = AcsClient("LTAIkey", "Secret/Value+1", **options)
else:
    acs = AcsClient(credential=StsTokenCredential("STS.key", "Secret/Value+1", "token/with+chars"), **options)
request = AuthorizeSecurityGroupRequest()
request.set_method("POST")
request.set_accept_format("JSON")
request.set_endpoint("127.0.0.1:8765")
request.set_protocol_type("http")
for key, value in QUERY.items():
    request.add_query_param(key, value)
dump(acs, request, "127.0.0.1:8765")
'''


def signed(script, mode):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([COLLECTIONS_ROOT] + sys.path))
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-c", script, mode], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("mode", ["AK", "StsToken"])
def test_lazy_client_signs_like_plain_acs_client_without_cryptography(mode):
    lazy, plain = signed(LAZY, mode), signed(PLAIN, mode)
    assert "Signature=" in lazy["url"]
    assert (lazy["url"], lazy["headers"], lazy["method"], lazy["body"]) == (plain["url"], plain["headers"], plain["method"], plain["body"])
    # The plain path pulls in cryptography through the SDK's signer factory; the collection's does not.
    assert plain["cryptography"] is True
    assert lazy["cryptography"] is False
