# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret ever leaks: the three playbooks and every module run with a recognisable STS secret and token at -vvv,
plus one run with a wrong recognisable secret; then all output, the recorded results, the audit reports, the
emulator's call log, its log file and its state file are searched for them."""

import datetime
import json
import os

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import DEMO_VPC, WEB_1
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_REGION

PLAYBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks')
STS_KEY = 'STS.NUsecretsCheckKey00000001'
STS_SECRET = 'SecretsCheckStsSecret-5c0ffee1d'
STS_TOKEN = 'CAISsecretsCheckStsToken-8d1e55b7aa'
WRONG_SECRET = 'SecretsCheckWrongSecret-1123581321'
SECRETS = {'STS secret': STS_SECRET, 'STS token': STS_TOKEN, 'wrong secret': WRONG_SECRET}
STS_AUTH = {'access_key': STS_KEY, 'secret_key': STS_SECRET, 'security_token': STS_TOKEN}


def future(minutes=60):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def sts_env(emulator):
    """How a user hands STS credentials to the playbooks: the environment."""
    return {'ALICLOUD_ACCESS_KEY': STS_KEY, 'ALICLOUD_SECRET_KEY': STS_SECRET, 'ALICLOUD_SECURITY_TOKEN': STS_TOKEN,
            'ALICLOUD_REGION': DEMO_REGION, 'ALICLOUD_ECS_ENDPOINT': emulator.endpoint}


def every_module_tasks(report_path):
    return [
        {'name': 'create a group', 'cloudwall.alicloud.sg': {
            'name': 'secrets-app', 'vpc_id': DEMO_VPC, 'description': 'Secrets check', 'tags': {'team': 'secrets'}}},
        {'name': 'authorize a rule', 'cloudwall.alicloud.sg_rule': {
            'security_group': 'secrets-app', 'vpc_id': DEMO_VPC,
            'rules': [{'protocol': 'tcp', 'ports': 8080, 'cidr': '10.0.0.0/8'}]}},
        {'name': 'tag it', 'cloudwall.alicloud.sg_tags': {
            'security_group': ['secrets-app'], 'vpc_id': DEMO_VPC, 'tags': {'owner': 'secrets-check'}}},
        {'name': 'add a member', 'cloudwall.alicloud.sg_membership': {
            'instance_ids': [WEB_1], 'security_groups': ['secrets-app'], 'vpc_id': DEMO_VPC}},
        {'name': 'read it', 'cloudwall.alicloud.sg_info': {'vpc_id': DEMO_VPC, 'include_members': True}},
        {'name': 'audit it', 'cloudwall.alicloud.sg_audit': {'vpc_id': DEMO_VPC, 'report_path': report_path}},
    ]


def read_bytes(path):
    with open(path, 'rb') as handle:
        return handle.read()


def calls_made_with(admin, mark):
    calls = admin.calls(since=mark)
    assert calls, 'the run made no API call'
    keys = {call['params'].get('AccessKeyId') for call in calls}
    return calls, keys


def test_no_secret_or_token_anywhere_after_every_playbook_and_module_at_vvv(runner, emulator, admin, tmp_path):
    admin.add_credentials(STS_KEY, STS_SECRET, security_token=STS_TOKEN, expiration=future())
    report_dir = tmp_path / 'reports'
    report_dir.mkdir()
    reports = [str(report_dir / name) for name in ('web_redis_audit.md', 'audit.md', 'tasks_audit.md')]
    runs = []

    def playbook(name, mutating_actions, **extra_vars):
        mark = admin.mark()
        run = runner.run_playbook(os.path.join(PLAYBOOKS, name), env=sts_env(emulator), verbosity=3, extra_vars=extra_vars)
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
        calls, keys = calls_made_with(admin, mark)
        # Signed with the STS key (so the token was sent with every call), and really writing where it should.
        assert keys == {STS_KEY}, keys
        assert mutating_actions <= {call['action'] for call in calls if call['mutating'] and not call['code']}
        runs.append(run)

    playbook('web_redis.yml', {'CreateSecurityGroup', 'AuthorizeSecurityGroup', 'ModifyInstanceAttribute'},
             web_redis_audit_report=reports[0])
    playbook('audit.yml', set(), audit_report_path=reports[1], audit_vpc_id=DEMO_VPC)
    admin.seed(security_groups=[{'SecurityGroupName': 'secrets-old', 'VpcId': DEMO_VPC, 'Description': 'Retired',
                                 'Tags': {'managed-by': 'cloudwall'}}])
    playbook('cleanup.yml', {'DeleteSecurityGroup'})

    mark = admin.mark()
    modules = runner.run_tasks(every_module_tasks(reports[2]), auth=STS_AUTH, verbosity=3)
    assert modules.rc == 0, modules
    assert [result['_status'] for result in modules.results] == ['ok'] * 6
    calls, keys = calls_made_with(admin, mark)
    assert keys == {STS_KEY}, keys
    assert {'CreateSecurityGroup', 'AuthorizeSecurityGroup', 'TagResources', 'JoinSecurityGroup'} <= {
        call['action'] for call in calls if call['mutating'] and not call['code']}
    runs.append(modules)

    mark = admin.mark()
    wrong = runner.run_tasks(every_module_tasks(reports[2])[4:5], auth=dict(STS_AUTH, secret_key=WRONG_SECRET), verbosity=3)
    assert wrong.rc != 0
    assert 'SignatureDoesNotMatch' in wrong.last['msg'], wrong.last
    assert [call['code'] for call in admin.calls(since=mark)] == ['SignatureDoesNotMatch']
    runs.append(wrong)

    sources = {}
    for index, run in enumerate(runs):
        sources['run %d stdout' % index] = run.stdout.encode()
        sources['run %d stderr' % index] = run.stderr.encode()
        sources['run %d recorded results' % index] = json.dumps(run.results).encode()
    for path in reports:
        sources[path] = read_bytes(path)
    sources['call log'] = admin.calls_raw()
    sources['emulator log'] = read_bytes(emulator.log_path)
    # The state file and, in WAL mode, its journal, which holds the latest writes until a checkpoint.
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(emulator.state_path + suffix):
            sources['state file' + suffix] = read_bytes(emulator.state_path + suffix)

    # The search can only find what is there: every run was at -vvv (only then is the connection logged), the
    # reports and the state are not empty, and the call log holds the key id the secret belongs to.
    assert all('ESTABLISH LOCAL CONNECTION' in run.stdout for run in runs)
    assert all(sources[path] for path in reports) and sources['state file']
    assert STS_KEY.encode() in sources['call log']
    leaks = sorted('%s in %s' % (what, where) for where, content in sources.items() for what, secret in SECRETS.items()
                   if secret.encode() in content)
    assert leaks == []
