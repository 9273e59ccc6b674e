# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials never travel in clear text: plain http to a host that is not loopback is refused before any
connection, whether the endpoint comes from the option or from ALICLOUD_ECS_ENDPOINT; opting in connects."""

import socket
import threading

import pytest

STS_TOKEN = 'CAISendpointSecurityToken-55e2a1'
NO_ENDPOINT = {'endpoint': None}


def outbound_address():
    """This machine's address on its main interface (a UDP connect sends nothing)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(('192.0.2.254', 9))
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()


class Listener:
    """A TCP listener on every interface that counts the connections it is offered and closes them."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(('0.0.0.0', 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                connection, _address = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


def test_plain_http_to_a_remote_host_is_refused_before_any_connection(run_tasks, admin, listener):
    address = outbound_address()
    if not address or address.startswith('127.'):
        pytest.skip('no non-loopback address on this machine')
    endpoint = 'http://%s:%d' % (address, listener.port)
    read = {'cloudwall.alicloud.sg_info': {'vpc_id': 'vpc-demo0000000000000001'}, 'ignore_errors': True}
    write = {'cloudwall.alicloud.sg': {'name': 'insecure', 'description': 'never created'}, 'ignore_errors': True}
    mark = admin.mark()
    run = run_tasks([
        dict(read, name='option', **{'cloudwall.alicloud.sg_info': {'endpoint': endpoint}}),
        dict(write, name='environment', environment={'ALICLOUD_ECS_ENDPOINT': endpoint}),
        dict(read, name='sts token', **{'cloudwall.alicloud.sg_info': {'endpoint': endpoint, 'security_token': STS_TOKEN}}),
        # The control: opting in does connect, so the listener would have seen the refused ones.
        dict(read, name='opted in', **{'cloudwall.alicloud.sg_info': {'endpoint': endpoint, 'allow_insecure_endpoint': True,
                                                                      'retries': 0}}),
    ], auth=NO_ENDPOINT)
    refused, from_environment, with_token, opted_in = run.results
    for result, source in ((refused, 'endpoint '), (from_environment, 'ALICLOUD_ECS_ENDPOINT (environment) '),
                           (with_token, 'endpoint ')):
        assert result['_status'] == 'failed'
        assert result['msg'].startswith(source + endpoint), result['msg']
        assert 'unencrypted' in result['msg'] and 'allow_insecure_endpoint: true' in result['msg']
        assert STS_TOKEN not in result['msg']
    assert opted_in['_status'] == 'failed' and 'SDK.HttpError' in opted_in['msg'], opted_in
    assert listener.connections >= 1, 'the opted-in task should have connected'
    assert STS_TOKEN not in run.stdout + run.stderr
    assert admin.calls(since=mark) == []


def test_refused_before_any_connection_counts_zero(run_tasks, listener):
    address = outbound_address()
    if not address or address.startswith('127.'):
        pytest.skip('no non-loopback address on this machine')
    run = run_tasks([{'name': 'refused', 'cloudwall.alicloud.sg_info': {'endpoint': 'http://%s:%d' % (address, listener.port)},
                      'ignore_errors': True}], auth=NO_ENDPOINT)
    assert run.last['_status'] == 'failed' and 'unencrypted' in run.last['msg']
    assert listener.connections == 0


@pytest.fixture
def tls_emulator(tmp_path):
    """A second emulator serving HTTPS with the certificate it generates (--tls); its ca_cert is what clients trust."""
    from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import EmulatorProcess
    process = EmulatorProcess(str(tmp_path / 'tls.sqlite3'), seed='demo', extra_args=['--tls']).start()
    yield process
    process.stop()


def test_modules_verify_the_endpoint_certificate_and_fail_fast_when_it_does_not_verify(tls_emulator, tmp_path):
    """The modules' own HTTPS path: verified against ca_bundle; refused at the first attempt without it (no retry
    can mend a certificate), in one line naming the endpoint; validate_certs: false connects anyway."""
    from ansible_collections.cloudwall.alicloud.tests.lib.playbook_runner import PlaybookRunner
    assert tls_emulator.endpoint.startswith('https://127.0.0.1:')
    read = {'vpc_id': 'vpc-demo0000000000000001', 'include_rules': False}
    run = PlaybookRunner(tls_emulator, str(tmp_path / 'work')).run_tasks([
        {'name': 'trusted', 'cloudwall.alicloud.sg_info': dict(read, ca_bundle=tls_emulator.ca_cert)},
        {'name': 'untrusted', 'ignore_errors': True, 'cloudwall.alicloud.sg_info': read},
        {'name': 'not verified', 'cloudwall.alicloud.sg_info': dict(read, validate_certs=False)},
    ])
    trusted, untrusted, unverified = run.results
    assert trusted['_status'] == 'ok' and trusted['security_groups'], trusted
    assert untrusted['_status'] == 'failed'
    assert untrusted['msg'].endswith('could not reach the ECS endpoint %s: its TLS certificate could not be verified'
                                     % tls_emulator.endpoint), untrusted['msg']
    assert untrusted['error']['code'] == 'SDK.TLSError' and untrusted['error']['attempts'] == 1
    assert unverified['_status'] == 'ok' and unverified['security_groups'] == trusted['security_groups']
    # Two reads went through (trusted and unverified); the refused one never reached the API.
    assert [call['action'] for call in tls_emulator.admin.calls()] == ['DescribeSecurityGroups'] * 2
