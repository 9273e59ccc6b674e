# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloudwall.alicloud.ecs inventory plugin, run by ansible-inventory against the emulator.

Groups, host variables (checked against DescribeInstances), paging over 250 instances in 2 regions, filters
sent to the API, constructed groups, the cache, credentials from the modules' sources, bad input and secrets.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import CLASSIC_INSTANCE, DEMO_VPC, DEMO_VSWITCH, REDIS_1, VPC_GROUP, WEB_1, WEB_2
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, fixed_id
from ansible_collections.cloudwall.alicloud.tests.lib.module_docs import inventory_examples

SHANGHAI_VPC = fixed_id('vpc', 'shanghai')
SHANGHAI_VSWITCH = fixed_id('vsw', 'shanghai')
HZ_APP = fixed_id('sg', 'hzapp')
SH_APP = fixed_id('sg', 'shapp')
SH_DB = fixed_id('sg', 'shdb')
DEMO_NAMES = {WEB_1: 'web-1', WEB_2: 'web-2', REDIS_1: 'redis-1', CLASSIC_INSTANCE: 'legacy-1'}


def run_inventory(runner, source, args=('--list',), env=None, name='test.ecs.yml', raw=False):
    """ansible-inventory on one source file of this plugin; (rc, parsed stdout or None, stdout, stderr).

    The source gets the plugin name and the emulator's endpoint unless ``raw``."""
    path = os.path.join(runner.workdir, name)
    if not raw:
        source = dict({'plugin': 'cloudwall.alicloud.ecs', 'endpoint': runner.emulator.endpoint}, **source)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(source, handle)
    run_env = {key: value for key, value in os.environ.items() if not key.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))}
    run_env.update({
        'ANSIBLE_COLLECTIONS_PATH': runner.collections,
        'ANSIBLE_NOCOLOR': '1',
        # Only this plugin, and a source it cannot parse is an error (not a warning and an empty inventory).
        'ANSIBLE_INVENTORY_ENABLED': 'cloudwall.alicloud.ecs',
        'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1',
        'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY,
        'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
        'ALICLOUD_REGION': 'cn-hangzhou',
    })
    run_env.update(env or {})
    run_env = {key: value for key, value in run_env.items() if value is not None}
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', path] + list(args)
    proc = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=300, check=False)
    parsed = None
    if proc.returncode == 0 and proc.stdout.strip().startswith('{'):
        parsed = json.loads(proc.stdout, object_hook=_plain)
    return proc.returncode, parsed, proc.stdout, proc.stderr


def _plain(obj):
    # ansible-inventory marks values from the API as untrusted (never templated): {"__ansible_unsafe": value}.
    return obj['__ansible_unsafe'] if list(obj) == ['__ansible_unsafe'] else obj


def hosts_of(listing, group):
    """Hosts of a group in `ansible-inventory --list` output (directly in it; this plugin nests no groups)."""
    return set(listing.get(group, {}).get('hosts', []))


def seed_two_regions(admin):
    """250 instances: 125 in cn-hangzhou (group app, demo VPC), 100 app + 25 db in cn-shanghai; every
    10th one Stopped; the db ones tagged tier=db. Returns {instance id: spec}."""
    admin.seed(vpcs=[{'VpcId': SHANGHAI_VPC, 'RegionId': 'cn-shanghai', 'CidrBlock': '10.0.0.0/8', 'VpcName': 'sh'}],
               vswitches=[{'VSwitchId': SHANGHAI_VSWITCH, 'VpcId': SHANGHAI_VPC, 'ZoneId': 'cn-shanghai-b',
                           'CidrBlock': '10.1.0.0/16'}],
               security_groups=[{'SecurityGroupId': HZ_APP, 'SecurityGroupName': 'app', 'VpcId': DEMO_VPC},
                                {'SecurityGroupId': SH_APP, 'SecurityGroupName': 'app', 'VpcId': SHANGHAI_VPC},
                                {'SecurityGroupId': SH_DB, 'SecurityGroupName': 'db.primary', 'VpcId': SHANGHAI_VPC}])
    specs = {}
    for number in range(250):
        region = 'cn-hangzhou' if number < 125 else 'cn-shanghai'
        db = number >= 225
        spec = {
            'InstanceId': fixed_id('i', 'fleet%03d' % number), 'InstanceName': 'vm-%03d' % number,
            'VpcId': DEMO_VPC if region == 'cn-hangzhou' else SHANGHAI_VPC,
            'VSwitchId': DEMO_VSWITCH if region == 'cn-hangzhou' else SHANGHAI_VSWITCH,
            'SecurityGroupIds': [HZ_APP if region == 'cn-hangzhou' else (SH_DB if db else SH_APP)],
            'Status': 'Stopped' if number % 10 == 0 else 'Running',
            'Tags': {'tier': 'db'} if db else {'tier': 'app'},
        }
        if number == 1:
            spec['PublicIpAddress'] = '47.96.0.1'
        specs[spec['InstanceId']] = dict(spec, RegionId=region)
    admin.seed(instances=list(specs.values()))
    return specs


def describe_instances(ecs, region):
    """Every instance of a region, read through the API independently of the plugin."""
    client = type(ecs)(ecs.host_port, region=region)
    found, token = [], None
    while True:
        page = client.call('DescribeInstances', MaxResults=100, NextToken=token)
        found.extend(page['Instances']['Instance'])
        token = page.get('NextToken')
        if not token:
            return found


def test_demo_seed_default_groups_and_host_variables_match_the_api(runner, ecs):
    rc, listing, _out, err = run_inventory(runner, {'regions': ['cn-hangzhou'], 'hostnames': ['instance_name']})
    assert rc == 0, err
    assert set(listing['all']['children']) == {'ungrouped', 'sg_default_vpc', 'sg_default_classic', 'vpc_demo0000000000000001'}
    assert hosts_of(listing, 'sg_default_vpc') == {'web-1', 'web-2', 'redis-1'}
    assert hosts_of(listing, 'vpc_demo0000000000000001') == {'web-1', 'web-2', 'redis-1'}
    assert hosts_of(listing, 'sg_default_classic') == {'legacy-1'}

    hostvars = listing['_meta']['hostvars']
    assert set(hostvars) == set(DEMO_NAMES.values())
    for instance in describe_instances(ecs, 'cn-hangzhou'):
        got = hostvars[DEMO_NAMES[instance['InstanceId']]]
        vpc = instance['VpcAttributes']
        private = vpc['PrivateIpAddress']['IpAddress'] or instance['InnerIpAddress']['IpAddress']
        assert got['instance_id'] == instance['InstanceId']
        assert got['status'] == instance['Status'] and got['zone_id'] == instance['ZoneId']
        assert got['vpc_id'] == vpc['VpcId'] and got['vswitch_id'] == vpc['VSwitchId']
        assert got['private_ip_addresses'] == private and got['private_ip_address'] == private[0]
        assert got['security_group_ids'] == instance['SecurityGroupIds']['SecurityGroupId']
        assert got['instance_network_type'] == instance['InstanceNetworkType']
        assert got['region_id'] == 'cn-hangzhou'
    assert hostvars['web-1']['security_group_names'] == ['default-vpc']
    assert hostvars['web-1']['private_ip_address'] == '172.16.1.11'
    assert hostvars['legacy-1']['vpc_id'] == '' and hostvars['legacy-1']['instance_network_type'] == 'classic'


def test_group_membership_follows_the_api_after_a_join(runner, run_tasks, ecs):
    """A host in two groups is in both sg_ groups; the plugin shows what sg_membership changed."""
    made = run_tasks([
        {'cloudwall.alicloud.sg': {'name': 'web', 'vpc_id': DEMO_VPC, 'description': 'Web tier'}},
        {'cloudwall.alicloud.sg_membership': {'instance_ids': [WEB_1], 'security_groups': ['web'], 'vpc_id': DEMO_VPC}},
    ])
    assert made.rc == 0, made
    assert len(ecs.instance_groups(WEB_1)) == 2
    rc, listing, _out, err = run_inventory(runner, {})  # the region from ALICLOUD_REGION, hosts named by id
    assert rc == 0, err
    assert hosts_of(listing, 'sg_web') == {WEB_1}
    assert hosts_of(listing, 'sg_default_vpc') == {WEB_1, WEB_2, REDIS_1}
    assert listing['_meta']['hostvars'][WEB_1]['security_group_names'] == ['default-vpc', 'web']


def test_every_page_of_250_instances_in_two_regions(runner, admin):
    specs = seed_two_regions(admin)
    mark = admin.mark()
    rc, listing, _out, err = run_inventory(runner, {'regions': ['cn-hangzhou', 'cn-shanghai']})
    assert rc == 0, err
    hostvars = listing['_meta']['hostvars']
    assert set(specs) <= set(hostvars) and len(hostvars) == 254
    assert hosts_of(listing, 'sg_app') == {i for i, s in specs.items() if s['SecurityGroupIds'] in ([HZ_APP], [SH_APP])}
    assert len(hosts_of(listing, 'sg_app')) == 225
    assert hosts_of(listing, 'sg_db_primary') == {i for i, s in specs.items() if s['SecurityGroupIds'] == [SH_DB]}
    assert len(hosts_of(listing, 'vpc_shanghai000000000000')) == 125
    one = hostvars[fixed_id('i', 'fleet001')]
    assert one['public_ip_address'] == '47.96.0.1' and one['instance_tags'] == {'tier': 'app'}
    assert hostvars[fixed_id('i', 'fleet240')]['zone_id'] == 'cn-shanghai-b'

    pages = [(c['region'], bool(c['params'].get('NextToken'))) for c in admin.calls(since=mark, action='DescribeInstances')]
    # 129 instances in cn-hangzhou and 125 in cn-shanghai: two pages of 100 each.
    assert sorted(pages) == [('cn-hangzhou', False), ('cn-hangzhou', True), ('cn-shanghai', False), ('cn-shanghai', True)]
    assert all(c['params']['MaxResults'] == '100' for c in admin.calls(since=mark, action='DescribeInstances'))
    assert not admin.mutating_calls(since=mark)


@pytest.mark.parametrize('filters, selects, api_params', [
    pytest.param({'status': 'Stopped'}, lambda s: s['Status'] == 'Stopped', {'Status': 'Stopped'}, id='status'),
    pytest.param({'tags': {'tier': 'db'}}, lambda s: s['Tags'] == {'tier': 'db'}, {'Tag.1.Key': 'tier', 'Tag.1.Value': 'db'},
                 id='tags'),
    pytest.param({'tags': {'tier': None}}, lambda s: 'tier' in s['Tags'], {'Tag.1.Key': 'tier'}, id='tag-any-value'),
    pytest.param({'security_group_names': ['app'], 'status': ['Stopped']},
                 lambda s: s['Status'] == 'Stopped' and s['SecurityGroupIds'] != [SH_DB], {'Status': 'Stopped'}, id='name-and-status'),
    pytest.param({'security_group_ids': [SH_DB]}, lambda s: s['SecurityGroupIds'] == [SH_DB], {'SecurityGroupId': SH_DB},
                 id='group-id'),
    pytest.param({'vpc_id': SHANGHAI_VPC}, lambda s: s['RegionId'] == 'cn-shanghai', {'VpcId': SHANGHAI_VPC}, id='vpc'),
])
def test_filters_are_sent_to_the_api(runner, admin, filters, selects, api_params):
    specs = seed_two_regions(admin)
    mark = admin.mark()
    rc, listing, _out, err = run_inventory(runner, {'regions': ['cn-hangzhou', 'cn-shanghai'], 'filters': filters})
    assert rc == 0, err
    expected = {instance_id for instance_id, spec in specs.items() if selects(spec)}
    assert expected and set(listing['_meta']['hostvars']) == expected
    calls = admin.calls(since=mark, action='DescribeInstances')
    assert calls and all(set(api_params.items()) <= set(c['params'].items()) for c in calls)
    if filters.get('tags') == {'tier': None}:
        assert not [c for c in calls if 'Tag.1.Value' in c['params']]
    if 'security_group_names' in filters:
        # "app" is one group in each region: one query per region, by that region's group id.
        assert sorted((c['region'], c['params']['SecurityGroupId']) for c in calls) == [('cn-hangzhou', HZ_APP), ('cn-shanghai', SH_APP)]


def test_constructed_compose_groups_keyed_groups(runner, admin):
    seed_two_regions(admin)
    source = {
        'regions': ['cn-hangzhou', 'cn-shanghai'],
        'hostnames': ['instance_name'],
        'compose': {'ansible_host': 'private_ip_address', 'first_group': 'security_group_names[0]'},
        'groups': {'stopped': "status == 'Stopped'", 'exposed': "public_ip_address != ''"},
        'keyed_groups': [{'key': 'region_id', 'prefix': 'region'},
                         {'key': "instance_tags.tier | default('none')", 'prefix': 'tier'}],
    }
    rc, listing, _out, err = run_inventory(runner, source)
    assert rc == 0, err
    hostvars = listing['_meta']['hostvars']
    assert hostvars['web-1']['ansible_host'] == '172.16.1.11' and hostvars['web-1']['first_group'] == 'default-vpc'
    assert hosts_of(listing, 'exposed') == {'vm-001'}
    assert hosts_of(listing, 'stopped') == {'vm-%03d' % n for n in range(0, 250, 10)}
    assert len(hosts_of(listing, 'region_cn_hangzhou')) == 129 and len(hosts_of(listing, 'region_cn_shanghai')) == 125
    assert len(hosts_of(listing, 'tier_db')) == 25 and hosts_of(listing, 'tier_none') == set(DEMO_NAMES.values())
    # The default groups are still there.
    assert len(hosts_of(listing, 'sg_app')) == 225

    rc, _listing, _out, err = run_inventory(runner, dict(source, strict=True, compose={'x': 'no_such_variable.attr'}))
    assert rc != 0 and 'no_such_variable' in err


def test_cache_keeps_the_listing_without_secrets_until_flushed(runner, admin, tmp_path):
    cache_dir = tmp_path / 'cache'
    secret = 'CacheCheckSecret-0f1e2d3c4b5a'
    admin.add_credentials('LTAI5tCacheCheckKey00001', secret)
    source = {'regions': ['cn-hangzhou'], 'access_key': 'LTAI5tCacheCheckKey00001', 'secret_key': secret,
              'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(cache_dir), 'cache_timeout': 600}
    mark = admin.mark()
    rc, first, _out, err = run_inventory(runner, source)
    assert rc == 0, err
    assert admin.calls(since=mark)
    assert os.listdir(cache_dir)

    admin.seed(instances=[{'InstanceId': fixed_id('i', 'late'), 'VpcId': DEMO_VPC, 'SecurityGroupIds': [VPC_GROUP]}])
    mark = admin.mark()
    rc, second, _out, err = run_inventory(runner, source)
    assert rc == 0, err
    assert admin.calls(since=mark) == []  # served from the cache: no API call
    assert second == first and fixed_id('i', 'late') not in second['_meta']['hostvars']

    rc, third, _out, err = run_inventory(runner, source, args=('--list', '--flush-cache'))
    assert rc == 0, err
    assert admin.calls(since=mark, action='DescribeInstances')
    assert fixed_id('i', 'late') in hosts_of(third, 'sg_default_vpc')

    for name in os.listdir(cache_dir):
        content = (cache_dir / name).read_text()
        assert secret not in content and 'LTAI5tCacheCheckKey00001' not in content
        assert 'i-demoweb0000000000001' in content


def test_credentials_from_a_profile_named_in_the_source_win_over_the_environment(runner, admin, tmp_path):
    """The same resolver as the modules: a profile set in the source beats ALICLOUD_* keys in the environment."""
    admin.add_credentials('LTAI5tProfileKey0000001', 'ProfileSecret-9a8b7c6d5e')
    config = tmp_path / 'config.json'
    config.write_text(json.dumps({'current': 'other', 'profiles': [
        {'name': 'fleet', 'mode': 'AK', 'access_key_id': 'LTAI5tProfileKey0000001',
         'access_key_secret': 'ProfileSecret-9a8b7c6d5e', 'region_id': 'cn-hangzhou'}]}))
    mark = admin.mark()
    rc, listing, _out, err = run_inventory(
        runner, {'profile': 'fleet', 'shared_credentials_file': str(config)},
        env={'ALICLOUD_ACCESS_KEY': 'LTAI5tNotThisKey0000001', 'ALICLOUD_SECRET_KEY': 'wrong', 'ALICLOUD_REGION': None})
    assert rc == 0, err
    assert hosts_of(listing, 'sg_default_vpc') == {WEB_1, WEB_2, REDIS_1}
    keys = {c['params']['AccessKeyId'] for c in admin.calls(since=mark)}
    assert keys == {'LTAI5tProfileKey0000001'}


@pytest.mark.parametrize('source, env, words', [
    pytest.param({'filters': {'state': 'running'}}, {}, ["filters: unknown filter 'state'", 'status'], id='unknown-filter'),
    pytest.param({'filters': {'status': 'Up'}}, {}, ["filters.status: 'Up'", 'Running'], id='bad-status'),
    pytest.param({'hostnames': ['dns_name']}, {}, ["hostnames: 'dns_name'", 'instance_name'], id='bad-hostname'),
    pytest.param({'regions': ['cn hangzhou']}, {}, ["regions: 'cn hangzhou'"], id='bad-region'),
    pytest.param({'endpoint': 'ftp://127.0.0.1:1'}, {}, ['endpoint', 'scheme ftp'], id='bad-endpoint'),
    pytest.param({'retries': -1}, {}, ['retries must be >= 0', 'option retries'], id='bad-retries'),
    pytest.param({}, {'ALICLOUD_REGION': None}, ['No region set', 'option region'], id='no-region'),
    pytest.param({}, {'ALICLOUD_ACCESS_KEY': None, 'ALICLOUD_SECRET_KEY': None, 'HOME': '/nonexistent'},
                 ['No Alibaba Cloud credentials found'], id='no-credentials'),
])
def test_bad_input_fails_before_any_call(runner, admin, source, env, words):
    mark = admin.mark()
    rc, _listing, out, err = run_inventory(runner, source, env=env)
    assert rc != 0
    for word in words:
        assert word in err, err
    assert admin.calls(since=mark) == []
    assert DEMO_SECRET_KEY not in out + err


def test_refused_secret_names_the_key_and_never_shows_the_secret(runner, admin):
    wrong = 'InventoryWrongSecret-31415926'
    mark = admin.mark()
    rc, _listing, out, err = run_inventory(runner, {'regions': ['cn-hangzhou'], 'secret_key': wrong,
                                                    'access_key': DEMO_ACCESS_KEY}, args=('--list', '-vvv'))
    assert rc != 0
    assert 'SignatureDoesNotMatch' in err and DEMO_ACCESS_KEY in err and 'cn-hangzhou' in err
    assert wrong not in out + err
    assert admin.calls(since=mark)


def test_examples_run_as_written(runner, admin, tmp_path):
    """The three sources of EXAMPLES, on the emulator: the first two take the endpoint from ALICLOUD_ECS_ENDPOINT
    (and the second its credentials from a profile in ~/.aliyun/config.json); the third names the emulator's
    endpoint, whose port is the only thing replaced."""
    prod, web, emulator_source = inventory_examples('ecs')
    endpoint = runner.emulator.endpoint
    groups = admin.seed(security_groups=[{'SecurityGroupName': 'web', 'VpcId': DEMO_VPC},
                                         {'SecurityGroupName': 'web-canary', 'VpcId': DEMO_VPC}])['security_groups']
    admin.seed(instances=[
        {'InstanceId': fixed_id('i', 'exweb'), 'InstanceName': 'web-9', 'VpcId': DEMO_VPC, 'SecurityGroupIds': [groups[0]],
         'PublicIpAddress': '47.96.0.9', 'Tags': {'tier': 'web'}, 'PrivateIpAddress': '172.16.1.99'},
        {'InstanceId': fixed_id('i', 'excanary'), 'InstanceName': 'web-10', 'VpcId': DEMO_VPC, 'SecurityGroupIds': [groups[1]],
         'Status': 'Stopped'},
    ])

    rc, listing, _out, err = run_inventory(runner, prod, raw=True, env={'ALICLOUD_ECS_ENDPOINT': endpoint})
    assert rc == 0, err
    hostvars = listing['_meta']['hostvars']
    assert set(hostvars) == {'web-1', 'web-2', 'redis-1', 'legacy-1', 'web-9'}  # status Running: not web-10
    assert hostvars['web-9']['ansible_host'] == '172.16.1.99'
    assert hosts_of(listing, 'tier_web') == {'web-9'} and hosts_of(listing, 'exposed') == {'web-9'}
    assert hosts_of(listing, 'zone_cn_hangzhou_h') == {'web-1', 'web-2', 'redis-1', 'legacy-1', 'web-9'}

    home = tmp_path / 'home'
    (home / '.aliyun').mkdir(parents=True)
    (home / '.aliyun' / 'config.json').write_text(json.dumps({'current': 'production', 'profiles': [
        {'name': 'production', 'mode': 'AK', 'access_key_id': DEMO_ACCESS_KEY, 'access_key_secret': DEMO_SECRET_KEY}]}))
    rc, listing, _out, err = run_inventory(runner, web, raw=True, env={
        'HOME': str(home), 'ALICLOUD_ECS_ENDPOINT': endpoint, 'ALICLOUD_ACCESS_KEY': None, 'ALICLOUD_SECRET_KEY': None,
        'ALICLOUD_REGION': None})
    assert rc == 0, err
    assert set(listing['_meta']['hostvars']) == {fixed_id('i', 'exweb'), fixed_id('i', 'excanary')}
    assert os.listdir(home / '.cache' / 'cloudwall-ecs-inventory')

    assert emulator_source['endpoint'] == 'http://127.0.0.1:8765'
    rc, listing, _out, err = run_inventory(runner, dict(emulator_source, endpoint=endpoint), raw=True,
                                           env={'ALICLOUD_ACCESS_KEY': None, 'ALICLOUD_SECRET_KEY': None})
    assert rc == 0, err
    assert hosts_of(listing, 'sg_default_vpc') == {'web-1', 'web-2', 'redis-1'}
    assert hosts_of(listing, 'sg_web_canary') == {'web-10'}
