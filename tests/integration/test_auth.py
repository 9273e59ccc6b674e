# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every way of giving credentials reaches the emulator; bad ones fail clearly and never echo a secret."""

import datetime
import json
import os

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY

NO_AUTH = {'access_key': None, 'secret_key': None, 'region': None}
READ_GROUPS = [{'name': 'read groups', 'cloudwall.alicloud.sg_info': {'vpc_id': 'vpc-demo0000000000000001'}}]
STS_KEY = 'STS.NUemuStsKey000000000001'
STS_SECRET = 'StsSecretRecognisable-9f3c1d'
STS_TOKEN = 'CAISrecognisableStsToken-7b2e44aa'


def future(minutes=60):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def group_ids(run):
    return sorted(group['security_group_id'] for group in run.last['security_groups'])


def assert_read_ok(run):
    assert run.rc == 0, run
    assert group_ids(run) == ['sg-demovpcdefault000001']


@pytest.mark.parametrize('env', [
    pytest.param({'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY, 'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
                  'ALICLOUD_REGION': DEMO_REGION}, id='alicloud-env'),
    pytest.param({'ALIBABA_CLOUD_ACCESS_KEY_ID': DEMO_ACCESS_KEY, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': DEMO_SECRET_KEY,
                  'ALIBABA_CLOUD_REGION_ID': DEMO_REGION}, id='alibaba-cloud-env'),
])
def test_environment_credentials_reach_the_emulator(run_tasks, env):
    assert_read_ok(run_tasks(READ_GROUPS, auth=NO_AUTH, env=env))


def test_endpoint_from_environment(run_tasks, emulator):
    run = run_tasks(READ_GROUPS, auth={'endpoint': None}, env={'ALICLOUD_ECS_ENDPOINT': emulator.endpoint})
    assert_read_ok(run)


def test_options_win_over_environment(run_tasks):
    run = run_tasks(READ_GROUPS, env={'ALICLOUD_ACCESS_KEY': 'LTAIwrongKeyFromEnvironment',
                                      'ALICLOUD_SECRET_KEY': 'wrong-secret-from-env'})
    assert_read_ok(run)


def test_sts_token_is_accepted_and_never_logged(run_tasks, admin):
    admin.add_credentials(STS_KEY, STS_SECRET, security_token=STS_TOKEN, expiration=future())
    mark = admin.mark()
    run = run_tasks(READ_GROUPS, auth={'access_key': STS_KEY, 'secret_key': STS_SECRET, 'security_token': STS_TOKEN},
                    verbosity=3)
    assert_read_ok(run)
    calls = admin.calls(since=mark)
    assert calls and all(call['params'].get('AccessKeyId') == STS_KEY for call in calls)
    logged = json.dumps(calls) + run.stdout + run.stderr
    assert STS_TOKEN not in logged and STS_SECRET not in logged


def test_wrong_sts_token_fails_clearly(run_tasks, admin):
    admin.add_credentials(STS_KEY, STS_SECRET, security_token=STS_TOKEN, expiration=future())
    wrong_token = 'CAISwrongTokenRecognisable-000111'
    run = run_tasks(READ_GROUPS, auth={'access_key': STS_KEY, 'secret_key': STS_SECRET, 'security_token': wrong_token},
                    verbosity=3)
    assert run.rc != 0
    message = run.last['msg']
    assert 'DescribeSecurityGroups' in message and 'InvalidSecurityToken' in message, message
    assert wrong_token not in run.stdout + run.stderr and STS_SECRET not in run.stdout + run.stderr


def test_expired_sts_token_is_refused(run_tasks, admin):
    admin.add_credentials(STS_KEY, STS_SECRET, security_token=STS_TOKEN, expiration=future(-5))
    run = run_tasks(READ_GROUPS, auth={'access_key': STS_KEY, 'secret_key': STS_SECRET, 'security_token': STS_TOKEN})
    assert run.rc != 0
    assert 'InvalidSecurityToken.Expired' in run.last['msg']


def test_wrong_secret_fails_with_a_clear_message_and_no_secret(run_tasks, admin):
    wrong_secret = 'WrongSecretRecognisable-31415926'
    mark = admin.mark()
    run = run_tasks(READ_GROUPS, auth={'secret_key': wrong_secret}, verbosity=3)
    assert run.rc != 0
    message = run.last['msg']
    assert 'DescribeSecurityGroups' in message and 'SignatureDoesNotMatch' in message, message
    everything = run.stdout + run.stderr + json.dumps(admin.calls(since=mark))
    assert wrong_secret not in everything
    assert DEMO_SECRET_KEY not in everything


def write_profile_file(directory, profiles, current):
    path = os.path.join(directory, 'config.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'current': current, 'profiles': profiles}, handle)
    return path


def test_profile_file_ak_mode(run_tasks, tmp_path):
    path = write_profile_file(str(tmp_path), [
        {'name': 'default', 'mode': 'AK', 'access_key_id': 'LTAIunknownKey000000', 'access_key_secret': 'x' * 30,
         'region_id': DEMO_REGION},
        {'name': 'emulator', 'mode': 'AK', 'access_key_id': DEMO_ACCESS_KEY, 'access_key_secret': DEMO_SECRET_KEY,
         'region_id': DEMO_REGION},
    ], current='default')
    run = run_tasks(READ_GROUPS, auth=dict(NO_AUTH, shared_credentials_file=path, profile='emulator'))
    assert_read_ok(run)


def test_profile_file_current_profile_and_env_selection(run_tasks, tmp_path):
    path = write_profile_file(str(tmp_path), [
        {'name': 'emulator', 'mode': 'AK', 'access_key_id': DEMO_ACCESS_KEY, 'access_key_secret': DEMO_SECRET_KEY,
         'region_id': DEMO_REGION},
    ], current='emulator')
    run = run_tasks(READ_GROUPS, auth=NO_AUTH, env={'ALICLOUD_SHARED_CREDENTIALS_FILE': path})
    assert_read_ok(run)


def test_profile_file_sts_mode(run_tasks, admin, tmp_path):
    admin.add_credentials(STS_KEY, STS_SECRET, security_token=STS_TOKEN, expiration=future())
    path = write_profile_file(str(tmp_path), [
        {'name': 'sts', 'mode': 'StsToken', 'access_key_id': STS_KEY, 'access_key_secret': STS_SECRET,
         'sts_token': STS_TOKEN, 'region_id': DEMO_REGION},
    ], current='sts')
    run = run_tasks(READ_GROUPS, auth=dict(NO_AUTH, shared_credentials_file=path), verbosity=3)
    assert_read_ok(run)
    assert STS_TOKEN not in run.stdout + run.stderr


def test_unknown_profile_names_the_option_and_calls_nothing(run_tasks, admin, tmp_path):
    path = write_profile_file(str(tmp_path), [
        {'name': 'emulator', 'mode': 'AK', 'access_key_id': DEMO_ACCESS_KEY, 'access_key_secret': DEMO_SECRET_KEY,
         'region_id': DEMO_REGION},
    ], current='emulator')
    mark = admin.mark()
    run = run_tasks(READ_GROUPS, auth=dict(NO_AUTH, shared_credentials_file=path, profile='nope'))
    assert run.rc != 0
    assert 'profile' in run.last['msg'] and 'nope' in run.last['msg']
    assert admin.calls(since=mark) == []


def test_missing_region_names_the_option_and_calls_nothing(run_tasks, admin, tmp_path):
    mark = admin.mark()
    run = run_tasks(READ_GROUPS, auth={'region': None}, env={'HOME': str(tmp_path)})
    assert run.rc != 0
    assert 'region' in run.last['msg']
    assert admin.calls(since=mark) == []


def test_no_credentials_at_all_fails_before_any_call(run_tasks, admin, tmp_path):
    mark = admin.mark()
    run = run_tasks(READ_GROUPS, auth={'access_key': None, 'secret_key': None}, env={'HOME': str(tmp_path)})
    assert run.rc != 0
    assert 'access_key' in run.last['msg']
    assert admin.calls(since=mark) == []
