# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator as teams run it: nonces kept long enough, the admin API off loopback, masked logs, --seed-file, --tls.

Each test starts its own emulator process with the options it needs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION, EcsApi, EmulatorProcess, RawEcs, common_params, fixed_id,
    no_proxy_opener, tea_client,
)


@pytest.fixture
def start(tmp_path):
    """start(*options, seed="demo") -> a running EmulatorProcess, stopped at the end of the test."""
    started = []

    def run(*options, seed="demo"):
        process = EmulatorProcess(str(tmp_path / ("ecs-%d.sqlite3" % len(started))), seed=seed, extra_args=options).start()
        started.append(process)
        return process

    yield run
    for process in started:
        assert process.stop() == 0, process.log_tail()


class TestNonces:
    """ECS keeps a nonce for 15 minutes and accepts timestamps within +-15 minutes (ECS_API.md section 1): a request
    dated in the future must stay unreplayable until its own timestamp leaves the window (issue 13 section 5)."""

    def test_store_keeps_a_future_dated_nonce_until_its_timestamp_expires(self, tmp_path):
        from emulator.store import Store  # pylint: disable=import-outside-toplevel

        store = Store(str(tmp_path / "nonces.sqlite3"))
        try:
            now = time.time()
            future = now + 14 * 60  # accepted: within the window
            assert store.use_nonce("n-future", future, now=now)
            # 16 minutes later the old rule (kept 15 minutes from first sight) forgot it, while its timestamp
            # (now only 2 minutes old) is still accepted: it must still be remembered.
            assert not store.use_nonce("n-future", future, now=now + 16 * 60)
            assert not store.use_nonce("n-future", future, now=now + 28 * 60)
            # Once its timestamp is out of the window it may be forgotten: the timestamp check refuses a replay then.
            assert store.use_nonce("n-future", future, now=now + 30 * 60)
        finally:
            store.close()

    def test_future_dated_request_is_not_replayable(self, emulator):
        raw = RawEcs(emulator.endpoint)
        params = dict(common_params("DescribeRegions"), Timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 14 * 60)))
        assert raw.send(params).status == 200
        replay = raw.send(params)
        assert (replay.status, replay.code) == (400, "SignatureNonceUsed")


class TestExposedAdminApi:
    def test_non_loopback_host_warns_and_protects_the_admin_api(self, start):
        process = start("--host", "0.0.0.0")  # nosec - the point of the test
        assert process.admin_token, process.printed
        with open(process.log_path, encoding="utf-8") as log:
            assert "WARNING" in log.read()
        local = process.endpoint.replace("0.0.0.0", "127.0.0.1")
        request = urllib.request.Request(local + "/_emulator/state")
        with pytest.raises(urllib.error.HTTPError) as refused:
            no_proxy_opener().open(request, timeout=10)
        assert refused.value.code == 401
        wrong = urllib.request.Request(local + "/_emulator/state", headers={"X-Emulator-Admin-Token": "guess"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            no_proxy_opener().open(wrong, timeout=10)
        assert refused.value.code == 401
        # With the printed token it answers; ECS requests themselves need no token (they are signed).
        assert process.admin.health() == {"status": "ok"}
        ecs = EcsApi(local)
        assert ecs.call(DescribeSecurityGroupsRequest)["SecurityGroups"]["SecurityGroup"]

    def test_loopback_host_needs_no_token(self, emulator):
        assert emulator.admin_token is None
        assert "WARNING" not in emulator.log_tail()


def test_debug_log_masks_secrets(start):
    process = start("--log-level", "DEBUG")
    process.admin.add_credentials("STS.debugkey", "debug-sts-secret", security_token="debug-sts-token-value")
    ecs = EcsApi(process.endpoint, "STS.debugkey", "debug-sts-secret", security_token="debug-sts-token-value")
    ecs.call(DescribeSecurityGroupsRequest)
    log = process.log_tail(size=200000)
    assert "DescribeSecurityGroups" in log and "SecurityToken=***" in log and "Signature=***" in log
    assert "debug-sts-token-value" not in log and "debug-sts-secret" not in log


SEED = {
    "accounts": [{"AccountId": "5555666677778888", "AccountName": "team-shared",
                  "AccessKeys": [{"AccessKeyId": "LTAI-team-shared", "AccessKeySecret": "team-shared-secret"}]}],
    "vpcs": [{"VpcId": fixed_id("vpc", "team"), "CidrBlock": "10.8.0.0/16", "VpcName": "team"}],
    "vswitches": [{"VSwitchId": fixed_id("vsw", "team"), "VpcId": fixed_id("vpc", "team"), "CidrBlock": "10.8.1.0/24"}],
    "security_groups": [
        {"SecurityGroupId": fixed_id("sg", "teamweb"), "SecurityGroupName": "team-web", "VpcId": fixed_id("vpc", "team"),
         "Tags": {"team": "web"}, "Permissions": [
             {"IpProtocol": "tcp", "PortRange": "443/443", "SourceCidrIp": "0.0.0.0/0", "Description": "https"},
             {"Direction": "egress", "IpProtocol": "all", "PortRange": "-1/-1", "DestCidrIp": "0.0.0.0/0"},
             {"IpProtocol": "tcp", "PortRange": "8443/8443", "SourceGroupId": fixed_id("sg", "shared"),
              "SourceGroupOwnerAccount": "team-shared"}]},
        {"SecurityGroupId": fixed_id("sg", "shared"), "SecurityGroupName": "shared", "OwnerId": "5555666677778888"},
    ],
    "instances": [{"InstanceId": fixed_id("i", "teamweb"), "VpcId": fixed_id("vpc", "team"), "SecurityGroupIds": [fixed_id("sg", "teamweb")]}],
}
YAML_SEED = """
vpcs:
  - {VpcId: vpc-yaml0000000000000000, CidrBlock: 10.9.0.0/16}
security_groups:
  - SecurityGroupId: sg-yaml0000000000000000
    SecurityGroupName: from-yaml
    VpcId: vpc-yaml0000000000000000
    Permissions:
      - {IpProtocol: tcp, PortRange: 22/22, SourceCidrIp: 10.0.0.0/8}
"""


class TestSeedFile:
    def test_json_seed_file(self, start, tmp_path):
        path = tmp_path / "estate.json"
        path.write_text(json.dumps(SEED))
        process = start("--seed-file", str(path), seed=None)
        ecs = EcsApi(process.endpoint)
        rules = ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=fixed_id("sg", "teamweb"))["Permissions"]["Permission"]
        assert sorted((rule["Direction"], rule["IpProtocol"], rule["PortRange"], rule["SourceGroupOwnerAccount"]) for rule in rules) == [
            ("egress", "ALL", "-1/-1", ""), ("ingress", "TCP", "443/443", ""), ("ingress", "TCP", "8443/8443", "5555666677778888")]
        # The seeded account signs with its own key and sees only its own group.
        shared = EcsApi(process.endpoint, "LTAI-team-shared", "team-shared-secret")
        groups = shared.call(DescribeSecurityGroupsRequest)["SecurityGroups"]["SecurityGroup"]
        assert [group["SecurityGroupId"] for group in groups] == [fixed_id("sg", "shared")]
        # The secret of a seeded key never reaches the state file.
        with open(process.state_path, "rb") as state:
            assert b"team-shared-secret" not in state.read()

    def test_yaml_seed_file(self, start, tmp_path):
        pytest.importorskip("yaml")
        path = tmp_path / "estate.yml"
        path.write_text(YAML_SEED)
        process = start("--seed-file", str(path), seed=None)
        rules = EcsApi(process.endpoint).call(DescribeSecurityGroupAttributeRequest, SecurityGroupId="sg-yaml0000000000000000")
        assert [rule["PortRange"] for rule in rules["Permissions"]["Permission"]] == ["22/22"]

    def test_bad_seed_file_is_refused_with_its_reason(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({"security_groups": [{"VpcId": "vpc-nowhere0000000000000"}]}))
        process = EmulatorProcess(str(tmp_path / "bad.sqlite3"), seed=None, extra_args=["--seed-file", str(path)])
        with pytest.raises(RuntimeError):
            process.start()
        assert "vpc-nowhere0000000000000" in process.log_tail()


class TestTls:
    """--tls serves HTTPS with a certificate made by openssl; clients trust the printed ca_cert and validate it."""

    def test_both_sdks_over_https_with_certificate_validation(self, start):
        process = start("--tls")
        assert process.endpoint.startswith("https://") and process.ca_cert
        # The classic SDK over HTTPS, verifying against the printed certificate.
        ecs = EcsApi(process.endpoint, verify=process.ca_cert)
        assert ecs.call(DescribeSecurityGroupsRequest, protocol_type="https")["SecurityGroups"]["SecurityGroup"]
        # The Tea SDK with its default protocol (HTTPS) and the certificate as its CA.
        models = pytest.importorskip("alibabacloud_ecs20140526.models")
        tea = tea_client(process.endpoint, ca=process.ca_cert)
        assert tea.describe_security_groups(models.DescribeSecurityGroupsRequest(region_id=DEMO_REGION)).body.security_groups
        # The admin API over HTTPS with validation too (the harness trusts ca_cert).
        assert process.admin.health() == {"status": "ok"}

    def test_certificate_validation_fails_without_trust(self, start):
        process = start("--tls")
        with pytest.raises(urllib.error.URLError) as failed:
            no_proxy_opener().open(process.endpoint + "/_emulator/health", timeout=10)
        assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)

    @pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
    def test_generated_key_is_never_left_behind(self, tmp_path, signal_number):
        """The generated private key is deleted once loaded; the certificate's temporary directory goes at stop."""
        process = EmulatorProcess(str(tmp_path / "ecs.sqlite3"), extra_args=["--tls"]).start()
        try:
            directory = os.path.dirname(process.ca_cert)
            assert os.path.basename(directory).startswith("ecs-emulator-tls-")
            assert os.listdir(directory) == ["emulator-cert.pem"]  # no emulator-key.pem while it serves
            assert process.admin.health() == {"status": "ok"}  # serving from the key held in memory
        finally:
            assert process.stop(signal_number) == 0, process.log_tail()
        assert not os.path.exists(directory)

    def test_users_own_certificate_and_key(self, start, tmp_path):
        """--tls-cert/--tls-key: a certificate the user made (here with openssl) is served, trusted by clients that
        name it, and left in place when the emulator stops."""
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("openssl is needed to make the user's certificate")
        cert, key = str(tmp_path / "team-cert.pem"), str(tmp_path / "team-key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-sha256", "-days", "1", "-subj", "/CN=team-ci", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
        process = start("--tls-cert", cert, "--tls-key", key)  # --tls is implied
        assert process.endpoint.startswith("https://") and process.ca_cert == cert
        host, port = process.host_port.rsplit(":", 1)
        served = ssl.get_server_certificate((host, int(port)))
        with open(cert, encoding="ascii") as handle:
            assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(handle.read())
        ecs = EcsApi(process.endpoint, verify=cert)
        assert ecs.call(DescribeSecurityGroupsRequest, protocol_type="https")["SecurityGroups"]["SecurityGroup"]
        with pytest.raises(urllib.error.URLError) as failed:
            no_proxy_opener().open(process.endpoint + "/_emulator/health", timeout=10)
        assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
        assert process.stop() == 0, process.log_tail()
        assert os.path.exists(cert) and os.path.exists(key)

    def test_mismatched_certificate_and_key_are_refused(self, tmp_path):
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("openssl is needed to make the user's certificates")
        paths = {}
        for name in ("one", "two"):
            paths[name] = (str(tmp_path / (name + "-cert.pem")), str(tmp_path / (name + "-key.pem")))
            subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                            "-days", "1", "-subj", "/CN=" + name, "-keyout", paths[name][1], "-out", paths[name][0]],
                           check=True, capture_output=True, timeout=60)
        process = EmulatorProcess(str(tmp_path / "bad.sqlite3"), extra_args=["--tls-cert", paths["one"][0], "--tls-key", paths["two"][1]])
        with pytest.raises(RuntimeError):
            process.start()
        assert "cannot load the certificate" in process.log_tail()


def test_banner_keys(emulator):
    printed = emulator.banner()
    assert (printed["access_key_id"], printed["access_key_secret"], printed["region"]) == (
        DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION)


def test_make_server_off_loopback_requires_an_admin_token(tmp_path):
    """The admin API (seed, reset, call log) is never unprotected off loopback, whoever builds the server."""
    from emulator.server import make_server  # pylint: disable=import-outside-toplevel
    with pytest.raises(ValueError, match="admin_token"):
        make_server("0.0.0.0", 0, str(tmp_path / "exposed.sqlite3"))
    server = make_server("0.0.0.0", 0, str(tmp_path / "protected.sqlite3"), admin_token="t0ken")
    server.server_close()
