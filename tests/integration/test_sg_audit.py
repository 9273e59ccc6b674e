# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_audit against the emulator: a world of known-good and known-bad groups gives exactly
the expected findings; fail_on; the Markdown and JSON reports with their reachability map; the requests made;
and no mutating call, in check mode or not."""

import json
import os
import re

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.mermaid_check import check_chart, mermaid_blocks

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEMO_VPC = 'vpc-demo0000000000000001'
DEMO_VSWITCH = 'vsw-demo0000000000000001'

# Options that make the small world trip the member thresholds.
THRESHOLDS = {'max_members': 3, 'max_groups_per_instance': 3}


def tcp(port, cidr, **extra):
    rule = {'IpProtocol': 'tcp', 'PortRange': '%s/%s' % (port, port) if isinstance(port, int) else port}
    rule.update({'Ipv6SourceCidrIp': cidr} if ':' in cidr else {'SourceCidrIp': cidr})
    rule.update(extra)
    return rule


class World:
    """Groups, rules and members created through the ECS API and the admin seed; names map to ids."""

    def __init__(self, admin, ecs):
        self.admin = admin
        self.ecs = ecs
        self.ids = {}

    def group(self, name, description='Tier group', vpc_id=DEMO_VPC, tags=None, rules=(), policy=None):
        params = {'SecurityGroupName': name, 'VpcId': vpc_id or None, 'Tag': tags}
        if description:
            params['Description'] = description
        group_id = self.ecs.call('CreateSecurityGroup', **params)['SecurityGroupId']
        self.ids[name] = group_id
        if rules:
            self.ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group_id, Permissions=list(rules))
        if policy:
            self.ecs.call('ModifySecurityGroupPolicy', SecurityGroupId=group_id, InnerAccessPolicy=policy)
        return group_id

    def instance(self, name, groups, classic=False):
        spec = {'InstanceName': name, 'Status': 'Running', 'SecurityGroupIds': [self.ids[g] for g in groups]}
        if not classic:
            spec.update(VpcId=DEMO_VPC, VSwitchId=DEMO_VSWITCH)
        else:
            spec['VpcId'] = ''
        instance_id = self.admin.seed(instances=[spec])['instances'][0]
        self.ids[name] = instance_id
        return instance_id

    def rule_key(self, group_name, rule_id):
        """A readable identity of a rule: ``tcp 22/22 0.0.0.0/0 accept 1``."""
        group_id = self.ids[group_name]
        # A classic group answers one NicType per request.
        rules = [rule for nic_type in ('internet', 'intranet') for rule in self.ecs.call(
            'DescribeSecurityGroupAttribute', SecurityGroupId=group_id, NicType=nic_type)['Permissions']['Permission']]
        for rule in rules:
            if rule['SecurityGroupRuleId'] == rule_id:
                peer = rule['SourceCidrIp'] or rule['Ipv6SourceCidrIp'] or rule['SourceGroupId']
                return '%s %s %s %s %s' % (rule['IpProtocol'].lower(), rule['PortRange'], peer, rule['Policy'].lower(),
                                           rule['Priority'])
        raise AssertionError('no rule %s in %s' % (rule_id, group_name))


@pytest.fixture
def world(admin, ecs):
    """Two good VPC groups, three bad VPC groups, one classic group with a CIDR intranet rule."""
    built = World(admin, ecs)
    built.group('web', tags={'tier': 'web'}, rules=[
        tcp(80, '0.0.0.0/0'), tcp(443, '0.0.0.0/0'), tcp(22, '172.16.9.0/24', Description='from the bastion')])
    built.group('redis', tags={'tier': 'redis'}, policy='Drop', rules=[
        {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceGroupId': built.ids['web']}])
    built.group('exposed', tags={'tier': 'ops'}, rules=[
        tcp(22, '0.0.0.0/0'), tcp(6379, '::/0'), tcp('8000/8100', '0.0.0.0/0')])
    built.group('flat', tags={'tier': 'app'}, rules=[
        {'IpProtocol': 'all', 'PortRange': '-1/-1', 'SourceCidrIp': '10.0.0.0/8'},
        tcp('1/65535', '172.16.0.0/12'), tcp(6379, '192.168.0.0/16')])
    built.group('ordered', description=None, rules=[
        tcp(3306, '172.16.0.0/12', Policy='drop', Priority=1), tcp(3306, '172.16.1.0/24', Priority=5),
        tcp(8080, '172.16.0.0/16', Priority=1), tcp(8080, '172.16.2.0/24', Priority=2),
        tcp(9000, '172.16.3.0/24', Priority=1), tcp(9000, '172.16.0.0/12', Policy='drop', Priority=50)])
    built.group('legacy', vpc_id=None, tags={'tier': 'legacy'}, rules=[
        tcp(22, '10.1.0.0/16', NicType='intranet'), tcp(443, '0.0.0.0/0', NicType='internet')])
    for name in ('web-a', 'web-b'):
        built.instance(name, ['web'])
    built.instance('redis-a', ['redis'])
    built.instance('crowd-1', ['flat', 'web', 'redis'])
    for name in ('crowd-2', 'crowd-3', 'crowd-4'):
        built.instance(name, ['flat'])
    built.instance('legacy-a', ['legacy'], classic=True)
    # The only member of "ordered" is an unattached secondary interface: the group is not empty.
    eni = admin.seed(network_interfaces=[{'Type': 'Secondary', 'Status': 'Available', 'VpcId': DEMO_VPC,
                                          'VSwitchId': DEMO_VSWITCH, 'SecurityGroupIds': [built.ids['ordered']]}])
    built.ids['ordered-eni'] = eni['network_interfaces'][0]
    return built


AUDITED = ('web', 'redis', 'exposed', 'flat', 'ordered', 'legacy')

EXPECTED_FINDINGS = {
    ('internet_sensitive_ports', 'exposed', 'tcp 22/22 0.0.0.0/0 accept 1'),
    ('internet_sensitive_ports', 'exposed', 'tcp 6379/6379 ::/0 accept 1'),
    ('group_without_members', 'exposed', ''),
    ('intranet_cidr_too_broad', 'flat', 'all -1/-1 10.0.0.0/8 accept 1'),
    ('intranet_cidr_all_ports', 'flat', 'all -1/-1 10.0.0.0/8 accept 1'),
    ('intranet_cidr_all_ports', 'flat', 'tcp 1/65535 172.16.0.0/12 accept 1'),
    ('group_too_many_members', 'flat', ''),
    ('shadowed_accept', 'ordered', 'tcp 3306/3306 172.16.1.0/24 accept 5'),
    ('redundant_rule', 'ordered', 'tcp 8080/8080 172.16.2.0/24 accept 2'),
    ('missing_description', 'ordered', ''),
    ('missing_tags', 'ordered', ''),
    ('classic_intranet_cidr', 'legacy', 'tcp 22/22 10.1.0.0/16 accept 1'),
    ('member_at_group_limit', '', 'crowd-1'),
}

SEVERITY = {
    'internet_sensitive_ports': 'high', 'intranet_cidr_too_broad': 'high', 'intranet_cidr_all_ports': 'medium',
    'classic_intranet_cidr': 'medium', 'shadowed_accept': 'medium', 'group_too_many_members': 'medium',
    'member_at_group_limit': 'medium', 'redundant_rule': 'low', 'group_without_members': 'low',
    'missing_description': 'low', 'missing_tags': 'low',
}


def audit_task(world, **args):
    args.setdefault('security_group_ids', [world.ids[name] for name in AUDITED])
    for key, value in THRESHOLDS.items():
        args.setdefault(key, value)
    return {'name': 'sg_audit', 'cloudwall.alicloud.sg_audit': args}


def finding_keys(world, findings):
    names = dict((group_id, name) for name, group_id in world.ids.items())
    keys = set()
    for finding in findings:
        group = finding['security_group_name']
        if finding['member_id']:
            keys.add((finding['check'], group, names[finding['member_id']]))
        elif finding['rule_id']:
            keys.add((finding['check'], group, world.rule_key(group, finding['rule_id'])))
        else:
            keys.add((finding['check'], group, ''))
    return keys


@pytest.mark.parametrize('member_scan', ['region', 'group'])
def test_exact_findings_and_no_mutating_call(run_tasks, admin, world, member_scan):
    mark = admin.mark()
    run = run_tasks([audit_task(world, member_scan=member_scan)])
    assert run.rc == 0, run
    result = run.last
    assert result['changed'] is False
    assert finding_keys(world, result['findings']) == EXPECTED_FINDINGS
    assert len(result['findings']) == len(EXPECTED_FINDINGS)
    for finding in result['findings']:
        assert finding['severity'] == SEVERITY[finding['check']]
        assert finding['recommendation'] and finding['message']
        if finding['security_group_name']:
            assert finding['security_group_id'] == world.ids[finding['security_group_name']]
    summary = result['summary']
    assert summary['groups_audited'] == len(AUDITED)
    assert summary['findings'] == len(EXPECTED_FINDINGS)
    assert summary['by_severity'] == {'high': 3, 'medium': 6, 'low': 4}
    assert summary['by_check'] == dict((check, len([f for f in EXPECTED_FINDINGS if f[0] == check])) for check in SEVERITY)
    assert admin.mutating_calls(since=mark) == []


def test_region_scan_reads_members_in_one_paged_pass(run_tasks, admin, world):
    mark = admin.mark()
    run = run_tasks([audit_task(world)])
    assert run.rc == 0, run
    actions = [call['action'] for call in admin.calls(since=mark)]
    # Five VPC groups read once each, the classic group once per NIC type; members for the whole region
    # (groups of the VPC and the classic network) in one DescribeInstances and one interface read.
    assert actions.count('DescribeSecurityGroups') == 1
    assert actions.count('DescribeSecurityGroupAttribute') == 5 + 2
    assert actions.count('DescribeInstances') == 1
    assert actions.count('DescribeNetworkInterfaces') == 1
    assert len(actions) == 10


def test_one_vpc_scan_filters_by_vpc(run_tasks, admin, world):
    mark = admin.mark()
    run = run_tasks([audit_task(world, security_group_ids=[world.ids['web'], world.ids['flat']])])
    assert run.rc == 0, run
    calls = admin.calls(since=mark)
    instance_reads = [call for call in calls if call['action'] == 'DescribeInstances']
    interface_reads = [call for call in calls if call['action'] == 'DescribeNetworkInterfaces']
    assert len(instance_reads) == 1 and instance_reads[0]['params']['VpcId'] == DEMO_VPC
    assert len(interface_reads) == 1 and interface_reads[0]['params']['Type'] == 'Secondary'
    assert ('group_too_many_members', 'flat', '') in finding_keys(world, run.last['findings'])


def test_one_group_is_read_per_group(run_tasks, admin, world):
    mark = admin.mark()
    run = run_tasks([audit_task(world, security_group_ids=[world.ids['ordered']])])
    assert run.rc == 0, run
    calls = admin.calls(since=mark)
    member_reads = [(call['action'], call['params'].get('SecurityGroupId')) for call in calls
                    if call['action'] in ('DescribeInstances', 'DescribeNetworkInterfaces')]
    assert member_reads == [('DescribeInstances', world.ids['ordered']),
                            ('DescribeNetworkInterfaces', world.ids['ordered'])]
    # Its only member is a secondary interface, so it is not reported as empty.
    assert 'group_without_members' not in [finding['check'] for finding in run.last['findings']]


def test_options_change_what_is_found(run_tasks, world):
    run = run_tasks([audit_task(world, sensitive_ports=[8050], disabled_checks=['missing_tags', 'redundant_rule'],
                                max_members=100, max_groups_per_instance=5)])
    assert run.rc == 0, run
    keys = finding_keys(world, run.last['findings'])
    assert ('internet_sensitive_ports', 'exposed', 'tcp 8000/8100 0.0.0.0/0 accept 1') in keys
    assert ('internet_sensitive_ports', 'exposed', 'tcp 22/22 0.0.0.0/0 accept 1') not in keys
    checks = set(key[0] for key in keys)
    assert not checks & {'missing_tags', 'redundant_rule', 'group_too_many_members', 'member_at_group_limit'}
    assert run.last['summary']['disabled_checks'] == ['missing_tags', 'redundant_rule']
    assert 'missing_tags' not in run.last['summary']['by_check']


@pytest.mark.parametrize('fail_on, fails', [('high', True), ('medium', True), ('low', True), ('none', False)])
def test_fail_on_on_bad_groups(run_tasks, admin, world, tmp_path, fail_on, fails):
    report = tmp_path / 'audit.md'
    mark = admin.mark()
    run = run_tasks([audit_task(world, fail_on=fail_on, report_path=str(report))])
    result = run.last
    assert (run.rc != 0) is fails, run
    assert (result['_status'] == 'failed') is fails
    # All findings are reported, and the report written, even when the task fails.
    assert finding_keys(world, result['findings']) == EXPECTED_FINDINGS
    assert result['summary']['findings'] == len(EXPECTED_FINDINGS)
    assert report.exists()
    if fails:
        assert 'fail_on=%s' % fail_on in result['msg']
    assert admin.mutating_calls(since=mark) == []


@pytest.mark.parametrize('group, fail_on, limit, fails', [
    ('ordered', 'high', 3, False),   # its worst findings are medium
    ('ordered', 'medium', 3, True),
    ('web', 'low', 3, True),         # its member crowd-1 is in 3 groups
    ('web', 'low', 5, False),        # a good group passes the strictest setting
])
def test_fail_on_threshold(run_tasks, world, group, fail_on, limit, fails):
    run = run_tasks([audit_task(world, security_group_ids=[world.ids[group]], fail_on=fail_on,
                                max_groups_per_instance=limit)])
    assert (run.rc != 0) is fails, run
    assert run.last['findings'] or not fails


def mermaid_edges(markdown):
    """``{(source label, target label): edge label}`` of the Mermaid maps (one per VPC), solid and dotted edges alike;
    every chart must pass the strict syntax check."""
    edges = {}
    for block in mermaid_blocks(markdown):
        assert check_chart(block) == []
        labels = dict(re.findall(r'^\s+(\w+)(?:\[|\(\[|\[/)"([^"]*)"', block, re.M))
        for source, label, target in re.findall(r'^\s+(\w+) -\.?->\|"([^"]*)"\| (\w+)$', block, re.M):
            edges[(labels[source], labels[target])] = label
    return edges


def test_markdown_report_sections_and_map(run_tasks, world, tmp_path):
    report = tmp_path / 'audit.md'
    run = run_tasks([audit_task(world, report_path=str(report))])
    assert run.rc == 0, run
    assert run.last['report_path'] == str(report)
    text = report.read_text(encoding='utf-8')
    for heading in ('# Security group audit', '## Summary', '## Findings by group', '## Instances and network interfaces',
                    '## Reachability map'):
        assert '\n%s\n' % heading in '\n' + text
    for name in AUDITED:
        assert '### %s (`%s`)' % (name, world.ids[name]) in text
    assert '| high | 3 |' in text and '| medium | 6 |' in text and '| low | 4 |' in text
    assert text.count('| `internet_sensitive_ports`') == 1 + 2  # the check table row and two findings
    assert world.ids['crowd-1'] in text
    assert mermaid_edges(text) == {
        ('0.0.0.0/0', 'web'): 'tcp 80, 443',
        ('172.16.9.0/24', 'web'): 'tcp 22',
        ('web', 'redis'): 'tcp 6379',
        ('0.0.0.0/0', 'exposed'): 'tcp 22, 8000-8100',
        ('::/0', 'exposed'): 'tcp 6379',
        ('10.0.0.0/8', 'flat'): 'all protocols',
        ('172.16.0.0/12', 'flat'): 'tcp all ports',
        ('192.168.0.0/16', 'flat'): 'tcp 6379',
        # The shadowed 3306 accept grants nothing and draws no edge.
        ('172.16.0.0/16', 'ordered'): 'tcp 8080',
        ('172.16.2.0/24', 'ordered'): 'tcp 8080',
        ('172.16.3.0/24', 'ordered'): 'tcp 9000',
        ('10.1.0.0/16', 'legacy'): 'tcp 22',
        ('0.0.0.0/0', 'legacy'): 'tcp 443',
        # Groups whose inner access policy is accept: members reach each other; redis is drop.
        ('web', 'web'): 'all (members reach each other)',
        ('exposed', 'exposed'): 'all (members reach each other)',
        ('flat', 'flat'): 'all (members reach each other)',
        ('ordered', 'ordered'): 'all (members reach each other)',
        ('legacy', 'legacy'): 'all (members reach each other)',
    }
    # One map per network (the VPC and the classic network), each with its who-may-reach-whom table beside it.
    assert '### VPC `%s`' % DEMO_VPC in text and '### Classic network' in text
    assert len(mermaid_blocks(text)) == 2 and text.count('Who may reach whom (rows reach columns):') == 2
    assert '| web | all \\(members reach each other\\) | tcp 6379 | - | - | - |' in text


def test_json_report_and_check_mode(run_tasks, admin, world, tmp_path):
    report = tmp_path / 'audit.json'
    mark = admin.mark()
    run = run_tasks([audit_task(world, report_path=str(report))], check=True)
    assert run.rc == 0, run
    assert run.last['changed'] is False
    document = json.loads(report.read_text(encoding='utf-8'))
    assert set(document) == {'region', 'summary', 'findings', 'groups', 'reachability'}
    assert document['summary'] == run.last['summary']
    assert document['findings'] == run.last['findings']
    assert [group['security_group_name'] for group in document['groups']] == list(AUDITED)
    labels = dict((node['node_id'], node['label']) for node in document['reachability']['nodes'])
    kinds = dict((node['label'], node['kind']) for node in document['reachability']['nodes'])
    assert kinds['0.0.0.0/0'] == 'internet_cidr' and kinds['10.1.0.0/16'] == 'intranet_cidr'
    edges = set((labels[edge['source']], labels[edge['target']]) for edge in document['reachability']['edges'])
    assert ('web', 'redis') in edges and ('172.16.1.0/24', 'ordered') not in edges
    assert admin.mutating_calls(since=mark) == []


def test_no_group_selected_gives_an_empty_report_and_fails_a_gate_unless_allowed(run_tasks, tmp_path):
    report = tmp_path / 'empty.md'
    audit = {'name': 'no-such-group', 'report_path': str(report), 'fail_on': 'low'}
    run = run_tasks([{'ignore_errors': True, 'cloudwall.alicloud.sg_audit': audit},
                     {'cloudwall.alicloud.sg_audit': dict(audit, allow_empty=True)}])
    assert run.rc == 0, run
    # An audit gate that checks nothing does not pass; the message says which filters matched nothing.
    gate = run.results[0]
    assert gate['_status'] == 'failed'
    assert 'no security group matches the selection (name="no-such-group")' in gate['msg'] and 'allow_empty' in gate['msg']
    assert run.last['findings'] == [] and run.last['summary']['groups_audited'] == 0
    assert 'No group matched the selection.' in report.read_text(encoding='utf-8')


@pytest.mark.parametrize('args, message', [
    ({'disabled_checks': ['no_such_check']}, 'disabled_checks'),
    ({'sensitive_ports': [0, 22]}, 'sensitive_ports has 0'),
    ({'max_members': 0}, 'max_members is 0'),
    ({'report_path': '/nonexistent-dir/audit.md'}, 'report_path is /nonexistent-dir/audit.md'),
])
def test_bad_options_fail_before_any_call(run_tasks, admin, args, message):
    mark = admin.mark()
    run = run_tasks([{'cloudwall.alicloud.sg_audit': args}])
    assert run.rc != 0
    assert message in run.last['msg']
    assert admin.calls(since=mark) == []


def test_demo_seed_audit_playbook(runner, emulator, tmp_path):
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'audit.yml')
    report = tmp_path / 'demo-audit.md'
    env = {'ALICLOUD_ACCESS_KEY': 'LTAI5tEmuDemoAccessKey01', 'ALICLOUD_SECRET_KEY': 'EmuDemoSecretDoNotUseInProd000',
           'ALICLOUD_REGION': 'cn-hangzhou', 'ALICLOUD_ECS_ENDPOINT': emulator.endpoint}
    run = runner.run_playbook(playbook, env=env, extra_vars={'audit_report_path': str(report)})
    assert run.rc == 0, run
    text = report.read_text(encoding='utf-8')
    # The demo groups have members and descriptions but no tags and no rules.
    assert '### default-vpc (`sg-demovpcdefault000001`)' in text
    assert '### default-classic (`sg-democlassic000000001`)' in text
    assert '```mermaid\nflowchart LR\n' in text


FORGERY = ('ok\n## Findings by group\n### web (`sg-reviewed`)\nReviewed: compliant, no findings.\n| high | 0 |\n```\n'
           '[details](javascript:alert(1)) <script>alert(1)</script> &lt; # end')


def test_tags_and_descriptions_cannot_forge_the_report(run_tasks, admin, ecs, tmp_path):
    """Issue 13.4 end to end: whoever may tag a group or describe a rule controls text, never structure."""
    markdown_it = pytest.importorskip('markdown_it', reason='markdown-it-py is pinned in tests/requirements.txt')
    built = World(admin, ecs)
    group_id = built.group('forged', description=FORGERY.replace('\n', ' ')[:200], tags={'note': FORGERY[:128]},
                           rules=[tcp(22, '0.0.0.0/0', Description=FORGERY)])
    markdown, document = tmp_path / 'audit.md', tmp_path / 'audit.json'
    run = run_tasks([{'cloudwall.alicloud.sg_audit': {'security_group_ids': [group_id], 'report_path': str(path)}}
                     for path in (markdown, document)])
    assert run.rc == 0, run
    text = markdown.read_text(encoding='utf-8')
    tokens = markdown_it.MarkdownIt('commonmark').enable('table').parse(text)
    headings = [tokens[index + 1].content for index, token in enumerate(tokens) if token.type == 'heading_open']
    assert headings == ['Security group audit', 'Summary', 'Findings by group', 'forged (`%s`)' % group_id,
                        'Reachability map', 'VPC `%s`' % DEMO_VPC]
    kinds = set(token.type for token in tokens) | set(child.type for token in tokens for child in token.children or [])
    assert not kinds & {'link_open', 'html_inline', 'html_block', 'code_block'}
    assert [token.info for token in tokens if token.type == 'fence'] == ['mermaid']
    # The JSON report keeps the values exactly as the API gives them.
    assert json.loads(document.read_text(encoding='utf-8'))['groups'][0]['tags'] == {'note': FORGERY[:128]}
