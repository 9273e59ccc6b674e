# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/fleet_audit.yml over 2 accounts x 2 regions against one emulator: through ansible-playbook with forks,
and through ansible-runner (whose job events are what AWX and Automation Controller consume).

The emulator holds the two accounts (``accounts`` of its seed), each with its own key pair; each account owns its
groups, and a target (one key pair in one region, no VPC named) sees only its own account's groups in its region.
The tests check that from the emulator's side: its call log records the access key id and region of every call.

The fleet report's charts go through the strict check and Mermaid's own parser (tests/lib/mermaid_check.py), and
its Markdown through a CommonMark parser with GFM tables (markdown-it-py), which shows hostile names stay text.
"""

import html
import json
import os
import re
import sys

import pytest
from markdown_it import MarkdownIt

from ansible_collections.cloudwall.alicloud.tests.lib import mermaid_check
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import fixed_id

PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks',
                        'fleet_audit.yml')
KEYS = {'a': ('LTAI5tFleetAccountA00001', 'FleetSecretA-7b1c2d3e4f5a'),
        'b': ('LTAI5tFleetAccountB00001', 'FleetSecretB-0a9b8c7d6e5f')}
ACCOUNT_IDS = {'a': '5550000000000001', 'b': '5550000000000002'}
# target -> (account, region, the target's one group, planted problem: port open to the Internet or None)
FLEET = {
    'a-hangzhou': ('a', 'cn-hangzhou', 'a-hz-admin', '22/22'),
    'b-hangzhou': ('b', 'cn-hangzhou', 'b-hz-db', '3306/3306'),
    'a-shanghai': ('a', 'cn-shanghai', 'a-sh-web', None),
    'b-shanghai': ('b', 'cn-shanghai', 'b-sh-cache', '6379/6379'),
}


def vpc_of(target):
    return fixed_id('vpc', target.replace('-', ''))


def seed_accounts(admin):
    """The two accounts, each with its key pair."""
    admin.seed(accounts=[{'AccountId': ACCOUNT_IDS[account], 'AccountName': 'fleet-' + account,
                          'AccessKeys': [{'AccessKeyId': key_id, 'AccessKeySecret': secret}]}
                         for account, (key_id, secret) in KEYS.items()])
    accounts = {entry['AccountId'] for entry in admin.state()['accounts']}
    assert set(ACCOUNT_IDS.values()) <= accounts, accounts


def reader_of(ecs, account, region):
    """An ECS reader signing as ``account`` in ``region``."""
    return type(ecs)(ecs.host_port, access_key=KEYS[account][0], secret_key=KEYS[account][1], region=region)


@pytest.fixture
def fleet(admin, ecs, tmp_path):
    """Seeds the two accounts and the four targets (one group of its account in its own VPC each), and writes their
    inventory; returns its path."""
    seed_accounts(admin)
    for target, (account, region, group, port) in FLEET.items():
        spec = {'SecurityGroupId': fixed_id('sg', target.replace('-', '')), 'SecurityGroupName': group, 'VpcId': vpc_of(target),
                'OwnerId': ACCOUNT_IDS[account]}
        admin.seed(vpcs=[{'VpcId': vpc_of(target), 'RegionId': region, 'CidrBlock': '10.0.0.0/8'}], security_groups=[spec])
        reader_of(ecs, account, region).call('AuthorizeSecurityGroup', SecurityGroupId=spec['SecurityGroupId'], IpProtocol='tcp',
                                             PortRange=port or '443/443', SourceCidrIp='0.0.0.0/0')
    hosts = {}
    for target, (account, region, _group, _port) in FLEET.items():
        hosts[target] = {'fleet_account': account, 'fleet_region': region,
                         'fleet_access_key': KEYS[account][0], 'fleet_secret_key': KEYS[account][1]}
    inventory = tmp_path / 'fleet.yml'
    inventory.write_text(json.dumps({'fleet': {'hosts': hosts, 'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'fleet_endpoint': admin.endpoint}}}))
    return str(inventory)


def parse_markdown(markdown):
    """``(html, tokens)`` of CommonMark with GFM tables, raw HTML allowed (as GitHub parses it before sanitising)."""
    parser = MarkdownIt('commonmark', {'html': True}).enable('table')
    tokens = parser.parse(markdown)
    return parser.renderer.render(tokens, parser.options, {}), tokens


def headings(tokens):
    """``[(level, text)]`` of every heading, in order."""
    return [(int(token.tag[1]), tokens[index + 1].content) for index, token in enumerate(tokens) if token.type == 'heading_open']


def table_cells(tokens):
    """The text of every table cell as it renders (escapes resolved), with whether it is plain text only."""
    cells = []
    for index, token in enumerate(tokens):
        if token.type in ('td_open', 'th_open'):
            children = tokens[index + 1].children or []
            cells.append((''.join(child.content for child in children),
                          all(child.type in ('text', 'text_special') for child in children)))
    return cells


def check_charts(markdown, parser=False):
    """Every chart of the report passes the strict check (and, with ``parser``, Mermaid's own parser)."""
    charts = mermaid_check.mermaid_blocks(markdown)
    assert charts
    for chart in charts:
        assert mermaid_check.check_chart(chart) == [], chart
    if parser:
        mermaid_check.require_node_parser()
        assert mermaid_check.check_with_mermaid(charts) == []
    return charts


def check_fleet_report(report_dir, fail_on, parser=False):
    """The merged JSON and Markdown reports hold every target's own findings and nothing of the others; each target's
    map sits under its heading with its VPC one level deeper, and the charts are valid Mermaid."""
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    with open(os.path.join(report_dir, 'fleet-report.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    by_target = {entry['target']: entry for entry in report['targets']}
    assert set(by_target) == set(FLEET)
    for target, (account, region, group, port) in FLEET.items():
        entry = by_target[target]
        assert entry['status'] == 'audited' and entry['account'] == account and entry['region'] == region
        assert entry['summary']['groups_audited'] == 1
        assert {f['security_group_name'] for f in entry['findings'] if f['security_group_name']} == {group}
        high = [f for f in entry['findings'] if f['check'] == 'internet_sensitive_ports']
        assert len(high) == (1 if port else 0) and entry['summary']['by_severity']['high'] == len(high)
        summary = entry['summary']
        row = '| %s | %s | %s | audited | 1 | %d | %d | %d | %d |' % (
            target, account, region, summary['by_severity']['high'], summary['by_severity']['medium'],
            summary['by_severity']['low'], summary['findings'])
        assert row in markdown
        assert '### %s' % target in markdown and '"%s"' % group in markdown  # its map names its group
    # Each target's map is cut from its own report at the map's heading: nothing else of that report comes along.
    maps = markdown.split('## Reachability map by target', 1)[1]
    assert maps.count('```mermaid') >= len(FLEET) and '## Findings by group' not in markdown
    _html, tokens = parse_markdown(markdown)
    titles = headings(tokens)
    maps_at = titles.index((2, 'Reachability map by target'))
    # Under "Reachability map by target": each target at level 3, its VPC's map at level 4 below it.
    assert [(level, text.split(' ')[0]) for level, text in titles[maps_at + 1:]] == [
        item for target in sorted(FLEET, key=list(by_target).index) for item in ((3, target), (4, 'VPC'))]
    for target in FLEET:
        vpc_heading = titles[titles.index((3, target), maps_at) + 1]
        assert vpc_heading == (4, 'VPC `%s`' % vpc_of(target)), vpc_heading
    check_charts(markdown, parser)
    blocking = sum(1 for e in report['targets'] for f in e['findings'] if fail_on == 'high' and f['severity'] == 'high')
    assert report['blocking_findings'] == blocking
    assert report['gate'] == ('failed' if blocking else 'passed')
    return report


def targets_in_call_order(admin, since):
    """The target of every API call since ``since`` (from the access key id and region the emulator logged), oldest
    first; checks that no DescribeSecurityGroups call was scoped to a VPC: only the account separates the targets."""
    account_of_key = {key_id: account for account, (key_id, _secret) in KEYS.items()}
    order = []
    for call in admin.calls(since=since):
        target = '%s-%s' % (account_of_key[call['params']['AccessKeyId']], call['region'].split('-')[1])
        if call['action'] == 'DescribeSecurityGroups':
            assert call['params'].get('VpcId') is None, call
        order.append(target)
    return order


def check_distinct_accounts(admin, ecs):
    """The 2 accounts x 2 regions are really 2 accounts of the emulator: its state holds them with their groups, and
    each key pair sees, in both regions, its own account's groups and none of the other's."""
    state = admin.state()
    owners = {group['SecurityGroupName']: (group['OwnerId'], group['RegionId']) for group in state['security_groups']}
    for target, (account, region, group, _port) in FLEET.items():
        assert owners[group] == (ACCOUNT_IDS[account], region), (target, owners[group])
    for account in KEYS:
        for region in ('cn-hangzhou', 'cn-shanghai'):
            seen = {g['SecurityGroupName'] for g in reader_of(ecs, account, region).groups()}
            assert seen == {group for a, r, group, _port in FLEET.values() if (a, r) == (account, region)}, (account, region, seen)


def test_fleet_audit_in_parallel_one_report_and_the_gate(runner, admin, ecs, fleet, tmp_path):
    report_dir = str(tmp_path / 'report')
    # A little latency on every call makes the four targets' runs overlap when forks let them.
    admin.faults([{'kind': 'latency', 'rate': 1.0, 'latency_ms': 150}])
    mark = admin.mark()
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=4,
                              extra_vars={'fleet_report_dir': report_dir, 'fleet_fail_on': 'high'})
    admin.clear_faults()
    assert run.rc != 0, run  # three targets have a port open to the Internet: the gate fails the run
    assert 'Fleet gate fail_on=high: 3 finding(s)' in run.stdout
    check_fleet_report(report_dir, 'high', parser=True)

    order = targets_in_call_order(admin, mark)
    assert set(order) == set(FLEET)  # each target called with its own key pair in its own region
    # Two key pairs, each of its own account, each used in both regions: the audit of each target found only its own
    # account's group (check_fleet_report) although no call named a VPC.
    keys = {(call['params']['AccessKeyId'], call['region']) for call in admin.calls(since=mark)}
    assert keys == {(KEYS[account][0], region) for account, region, _group, _port in FLEET.values()}
    check_distinct_accounts(admin, ecs)
    assert not admin.mutating_calls(since=mark)
    switches = sum(1 for before, after in zip(order, order[1:]) if before != after)
    assert switches > len(FLEET) - 1, 'the targets ran one after another: %s' % order

    for name in os.listdir(report_dir) + ['targets/' + n for n in os.listdir(os.path.join(report_dir, 'targets'))]:
        path = os.path.join(report_dir, name)
        if os.path.isfile(path):
            content = open(path, encoding='utf-8').read()
            assert not [s for _k, s in KEYS.values() if s in content], name
    assert not [s for _k, s in KEYS.values() if s in run.stdout + run.stderr]


def test_fleet_gate_passes_and_an_unreachable_target_is_reported(runner, admin, fleet, tmp_path):
    report_dir = str(tmp_path / 'report')
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=2, extra_vars={'fleet_report_dir': report_dir})
    assert run.rc == 0, run
    check_fleet_report(report_dir, 'none')

    # A target whose secret is refused is reported as not audited, and fails the gate; the others still run.
    with open(fleet, encoding='utf-8') as handle:
        inventory = json.load(handle)
    inventory['fleet']['hosts']['b-shanghai']['fleet_secret_key'] = 'FleetWrongSecret-000111'
    with open(fleet, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=4, extra_vars={'fleet_report_dir': report_dir}, verbosity=3)
    assert run.rc != 0
    secrets = [secret for _key, secret in KEYS.values()] + ['FleetWrongSecret-000111']
    assert not [secret for secret in secrets if secret in run.stdout + run.stderr]
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    status = {entry['target']: (entry['status'], entry['error']) for entry in report['targets']}
    assert status['b-shanghai'][0] == 'error' and 'SignatureDoesNotMatch' in status['b-shanghai'][1]
    assert KEYS['b'][0] in status['b-shanghai'][1] and 'FleetWrongSecret-000111' not in json.dumps(report)
    assert all(status[t][0] == 'audited' for t in FLEET if t != 'b-shanghai')
    assert 'targets not audited: b-shanghai' in run.stdout


# Names that would end a table cell, open a code span or smuggle HTML if the report let them through.
HOSTILE_GROUP = 'ops|`rm -rf`</td><script>alert(1)</script>'
HOSTILE_TAG = {'owner|`x`<script>alert(2)</script>': 'v|<img src=x onerror=alert(3)>'}
HOSTILE_ACCOUNT = 'a|`acct`<script>alert(4)</script>'
HOSTILE_REGION = 'cn-hangzhou|`x`<script>alert(5)</script>'


def raw_html(tokens):
    """Every raw HTML token (block or inline) of a parsed document."""
    inline = [child for token in tokens if token.type == 'inline' for child in token.children or []]
    return [token for token in tokens + inline if token.type in ('html_block', 'html_inline')]


def test_fleet_report_keeps_hostile_names_inert(runner, admin, fleet, tmp_path):
    # Account a's cn-hangzhou gets a group with a hostile name and tag, open to the Internet on SSH (so a finding
    # names it and its map shows it); target a-hangzhou gets a hostile account label; and a fifth target has a
    # hostile region (it cannot be audited: its region cell and its error are in the report).
    admin.seed(security_groups=[{
        'SecurityGroupId': fixed_id('sg', 'hostile'), 'SecurityGroupName': HOSTILE_GROUP, 'VpcId': vpc_of('a-hangzhou'),
        'OwnerId': ACCOUNT_IDS['a'], 'Tags': HOSTILE_TAG,
        'Permissions': [{'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0'}]}])
    with open(fleet, encoding='utf-8') as handle:
        inventory = json.load(handle)
    hosts = inventory['fleet']['hosts']
    hosts['a-hangzhou']['fleet_account'] = HOSTILE_ACCOUNT
    hosts['bad-region'] = dict(hosts['a-shanghai'], fleet_region=HOSTILE_REGION)
    with open(fleet, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    report_dir = str(tmp_path / 'report')
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=4, extra_vars={'fleet_report_dir': report_dir})
    assert run.rc != 0 and 'targets not audited: bad-region' in run.stdout, run

    with open(os.path.join(report_dir, 'fleet-report.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    rendered, tokens = parse_markdown(markdown)
    # No HTML got through: the parser (raw HTML allowed) found none, and the hostile tags are text in the HTML.
    assert raw_html(tokens) == []
    assert '<script' not in rendered and '<img' not in rendered and html.escape('<script>alert(1)</script>') in rendered
    # Each hostile value is one plain-text cell that renders as exactly itself: it neither ended its cell early nor
    # opened a code span. The group is in a-hangzhou's findings and in its reachability matrix.
    cells = table_cells(tokens)
    for value in (HOSTILE_GROUP, HOSTILE_ACCOUNT, HOSTILE_REGION):
        assert (value, True) in cells, (value, [cell for cell in cells if 'script' in cell[0]])
    assert cells.count((HOSTILE_GROUP, True)) >= 2
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    error = [entry['error'] for entry in report['targets'] if entry['target'] == 'bad-region'][0]
    assert HOSTILE_REGION in error
    paragraphs = [tokens[index + 1] for index, token in enumerate(tokens) if token.type == 'paragraph_open']
    not_audited = [p for p in paragraphs if p.content.startswith('Not audited: ')]
    assert [(''.join(c.content for c in p.children), {c.type for c in p.children}) for p in not_audited] == [
        ('Not audited: ' + re.sub('[\x00-\x1f\x7f\x85\u2028\u2029]+', ' ', error).strip(), {'text'})]
    # Headings: the targets at level 3, their VPC maps at level 4, and no hostile text made a heading.
    titles = headings(tokens)
    maps_at = titles.index((2, 'Reachability map by target'))
    assert [level for level, _text in titles[maps_at + 1:]] == [3, 4] * len(FLEET)
    # The charts, the hostile group's among them, are valid: strict check and Mermaid's parser.
    charts = check_charts(markdown, parser=True)
    assert [chart for chart in charts if '#96;rm -rf#96;' in chart]

    # The target's own report, whose map the fleet report holds, shows the hostile tag, inert too.
    with open(os.path.join(report_dir, 'targets', 'a-hangzhou.md'), encoding='utf-8') as handle:
        target_rendered, target_tokens = parse_markdown(handle.read())
    assert raw_html(target_tokens) == [] and '<script' not in target_rendered and '<img' not in target_rendered
    assert html.escape('owner|') in target_rendered


@pytest.mark.parametrize('extra_vars, words', [
    pytest.param({'fleet_fail_on': 'critical'}, ['fleet_fail_on must be none, low, medium or high', '"critical"'], id='bad-fail-on'),
])
def test_fleet_bad_settings_fail_before_any_call(runner, admin, fleet, tmp_path, extra_vars, words):
    mark = admin.mark()
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, extra_vars=dict(extra_vars, fleet_report_dir=str(tmp_path)))
    assert run.rc != 0
    for word in words:
        assert word in run.stdout
    assert admin.calls(since=mark) == []


# ansible-runner runs ansible-playbook under a pty (pexpect), as AWX does; forkpty warns inside a threaded pytest.
@pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')
def test_fleet_through_ansible_runner_job_events(runner, admin, fleet, tmp_path, monkeypatch):
    ansible_runner = pytest.importorskip('ansible_runner')
    report_dir = str(tmp_path / 'report')
    private_data_dir = tmp_path / 'runner'
    private_data_dir.mkdir()
    # ansible-runner starts ansible-playbook from PATH: the one of this virtualenv.
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    for name in [n for n in os.environ if n.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))]:
        monkeypatch.delenv(name)
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir), project_dir=os.path.dirname(PLAYBOOK), playbook=os.path.basename(PLAYBOOK),
        inventory=fleet, forks=4, quiet=True, extravars={'fleet_report_dir': report_dir},
        envvars={'ANSIBLE_COLLECTIONS_PATH': runner.collections, 'ANSIBLE_NOCOLOR': '1'})
    assert result.status == 'successful' and result.rc == 0, result.stdout.read()
    events = list(result.events)

    audits = {event['event_data']['host']: event['event_data']['res'] for event in events
              if event['event'] == 'runner_on_ok' and event['event_data'].get('task') == "Audit the target's security groups"}
    assert set(audits) == set(FLEET)
    report = check_fleet_report(report_dir, 'none')
    for entry in report['targets']:
        res = audits[entry['target']]
        assert res['summary'] == entry['summary'] and res['findings'] == entry['findings']
        assert res['changed'] is False
    stats = [event for event in events if event['event'] == 'playbook_on_stats'][-1]['event_data']
    assert not stats['failures'] and not stats['rescued'] and set(FLEET) <= set(stats['ok'])

    artifacts = ''.join(open(os.path.join(root, name), encoding='utf-8', errors='replace').read()
                        for root, _dirs, files in os.walk(str(private_data_dir / 'artifacts')) for name in files)
    assert artifacts and not [s for _k, s in KEYS.values() if s in artifacts]


def readme_playbook(first_line):
    """The ```yaml block of playbooks/README.md that starts with ``first_line``, as written there."""
    with open(os.path.join(os.path.dirname(PLAYBOOK), 'README.md'), encoding='utf-8') as handle:
        blocks = handle.read().split('```yaml\n')[1:]
    found = [block.split('```', 1)[0] for block in blocks if block.startswith(first_line)]
    assert len(found) == 1, 'README has %d blocks starting with %r' % (len(found), first_line)
    return found[0]


def test_readme_role_over_many_targets_with_per_target_variables(runner, admin, ecs, fleet, tmp_path):
    playbook = tmp_path / 'fleet_tier_access.yml'
    playbook.write_text(readme_playbook('# fleet_tier_access.yml'))
    with open(fleet, encoding='utf-8') as handle:
        inventory = json.load(handle)
    ports = {}
    for target, host in inventory['fleet']['hosts'].items():
        ports[target] = 6379 if target.startswith('a-') else 6380
        host['redis_port'] = ports[target]
        host['fleet_vpc_id'] = vpc_of(target)
    with open(fleet, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)

    run = runner.run_playbook(str(playbook), inventory=fleet, forks=4)
    assert run.rc == 0, run
    for target, (account, region, _group, _port) in FLEET.items():
        reader = reader_of(ecs, account, region)
        web = reader.group_by_name('web', vpc_id=vpc_of(target))
        redis = reader.group_by_name('redis', vpc_id=vpc_of(target))
        assert web and redis, target
        rules = [(r['IpProtocol'], r['PortRange'], r['SourceGroupId']) for r in reader.rules(redis['SecurityGroupId'], 'ingress')]
        assert rules == [('TCP', '%d/%d' % (ports[target], ports[target]), web['SecurityGroupId'])], target

    mark = admin.mark()
    again = runner.run_playbook(str(playbook), inventory=fleet, forks=4)
    assert again.rc == 0, again
    assert admin.mutating_calls(since=mark) == []
