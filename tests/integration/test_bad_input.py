# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input catalogue: every module and role refuses invalid input with a message that names the argument
(or rule field) and the bad value, and changes nothing.

The cases run as tasks of a few playbooks (one ansible-playbook each, so the catalogue stays fast):
- ``offline``: failures the design promises before any API call; the emulator must log no call at all.
- ``online``: failures only a read can reveal (unknown ids, VPC mismatch, ...) and refused credentials; the
  emulator may log reads but no mutating call (save a delete the API refuses), and its state must not change.
Each case is followed by a marker task, so every recorded result is attributed to its case. The assertions are
parametrized per case (pytest id = case name); each run happens once per test session, not once per worker:
the first worker that needs a run makes it and shares its results through a file (pytest-xdist's recipe for
session-wide work, see ``shared_run``).
"""

import fcntl
import json
import os

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import CLASSIC_INSTANCE, DEMO_VPC, VPC_GROUP, WEB_1
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_REGION, fixed_id

OFFLINE = 'offline'
ONLINE = 'online'
MARKER_PREFIX = 'end of case '

# Resources the online cases need besides the demo seed.
TWIN_GROUPS = [fixed_id('sg', 'twina'), fixed_id('sg', 'twinb')]
ENTERPRISE_GROUP = fixed_id('sg', 'enterprise')
OTHER_VPC = fixed_id('vpc', 'other')
OTHER_VPC_GROUP = fixed_id('sg', 'othervpc')
FULL_TAGS_GROUP = fixed_id('sg', 'fulltags')
UNKNOWN_GROUP = fixed_id('sg', 'doesnotexist')
MANAGED_GROUP = fixed_id('sg', 'managed')
# 21 groups of the demo VPC: one more than the rules of one group may reference.
PEER_GROUPS = [fixed_id('sg', 'peer%02d' % index) for index in range(21)]
UNKNOWN_INSTANCE = fixed_id('i', 'doesnotexist')
WRONG_SECRET = 'WrongCatalogueSecret-2718281828'
UNKNOWN_ACCESS_KEY = 'LTAIcatalogueUnknownKey0'

# Plays of a run: the cases of a play share its module_defaults (auth options).
MAIN_PLAY = 'main'
NO_KEYS_PLAY = 'no-keys'          # endpoint and region only: credentials come from the case (or nowhere)
NO_REGION_PLAY = 'no-region'      # keys and endpoint, no region anywhere (HOME is an empty directory)
NO_ENDPOINT_PLAY = 'no-endpoint'  # keys and region, the endpoint comes from the case (option or environment)
INSECURE_ENDPOINT = 'http://ecs.catalogue.example:8080'


class Case:
    """One invalid input: the task(s) that must fail, and the fragments the failure message must contain."""

    def __init__(self, case_id, run, tasks, expect, play=MAIN_PLAY, forbid=()):
        self.case_id = case_id
        self.run = run
        self.tasks = tasks
        self.expect = expect
        self.play = play
        self.forbid = forbid


def module(module_name, **args):
    """A task running one module of the collection."""
    return [{'cloudwall.alicloud.%s' % module_name: args, 'ignore_errors': True}]


def with_environment(tasks, **environment):
    return [dict(task, environment=environment) for task in tasks]


def role(name, **role_vars):
    """A role included with its variables; the rescue keeps the play going after the expected failure."""
    return [{'block': [{'ansible.builtin.include_role': {'name': 'cloudwall.alicloud.%s' % name}, 'vars': role_vars}],
             'rescue': [{'name': 'the role failed', 'ansible.builtin.debug': {'msg': 'failed as expected'}}]}]


def rule(**fields):
    """A valid rule of sg_rule with some fields replaced (None drops a field)."""
    merged = dict({'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8'}, **fields)
    return {key: value for key, value in merged.items() if value is not None}


def sg_rule(security_group=VPC_GROUP, **args):
    return module('sg_rule', security_group=security_group, **args)


def group_rule(group_id, **fields):
    """A valid rule naming a peer group (None drops a field)."""
    return rule(cidr=None, group=group_id, **fields)


def bad_rule(**fields):
    """sg_rule with a good first rule and a bad second one: the message must point at rules[1]."""
    return sg_rule(rules=[rule(ports=80, cidr='0.0.0.0/0'), rule(**fields)])


TWENTY_ONE_TAGS = {'key%02d' % index: 'value' for index in range(21)}

CASES = [
    # --- sg: names, descriptions, choices, tags -------------------------------------------------------------
    Case('sg-name-too-long', OFFLINE, module('sg', name='a' * 129), ['name', 'a' * 129]),
    Case('sg-name-starts-with-digit', OFFLINE, module('sg', name='1web'), ['name', '1web']),
    Case('sg-name-is-url', OFFLINE, module('sg', name='http://web'), ['name', 'http://web']),
    Case('sg-name-bad-character', OFFLINE, module('sg', name='web tier!'), ['name', 'web tier!']),
    Case('sg-description-too-short', OFFLINE, module('sg', name='web', description='x'), ['description', "'x'"]),
    # A long value is identified by its length; echoing 257 characters would not help anyone.
    Case('sg-description-too-long', OFFLINE, module('sg', name='web', description='d' * 257), ['description', '257 characters']),
    Case('sg-description-is-url', OFFLINE, module('sg', name='web', description='https://example.com/web'),
         ['description', 'https://example.com/web']),
    Case('sg-inner-access-policy-choice', OFFLINE, module('sg', name='web', inner_access_policy='allow'),
         ['inner_access_policy', 'allow']),
    Case('sg-group-type-choice', OFFLINE, module('sg', name='web', security_group_type='premium'),
         ['security_group_type', 'premium']),
    Case('sg-state-choice', OFFLINE, module('sg', name='web', state='gone'), ['state', 'gone']),
    Case('sg-enterprise-accept', OFFLINE,
         module('sg', name='web', security_group_type='enterprise', inner_access_policy='accept'),
         ['inner_access_policy', 'accept', 'enterprise']),
    Case('sg-tag-key-reserved-aliyun', OFFLINE, module('sg', name='web', tags={'aliyun-team': 'x'}), ['tags', 'aliyun-team']),
    Case('sg-tag-key-reserved-acs', OFFLINE, module('sg', name='web', tags={'acs:team': 'x'}), ['tags', 'acs:team']),
    Case('sg-tag-key-too-long', OFFLINE, module('sg', name='web', tags={'k' * 129: 'x'}), ['tags', 'k' * 129]),
    Case('sg-tag-value-url', OFFLINE, module('sg', name='web', tags={'site': 'http://example.com'}),
         ['tags', 'http://example.com']),
    Case('sg-tag-value-boolean', OFFLINE, module('sg', name='web', tags={'enabled': True}), ['tags', 'enabled', 'True']),
    Case('sg-tag-value-too-long', OFFLINE, module('sg', name='web', tags={'team': 'v' * 129}), ['tags', 'team', '129 characters']),
    Case('sg-too-many-tags', OFFLINE, module('sg', name='web', tags=TWENTY_ONE_TAGS), ['tags', '21']),
    Case('sg-neither-name-nor-id', OFFLINE, module('sg', description='no name'), ['name', 'security_group_id']),
    Case('sg-unknown-id', ONLINE, module('sg', security_group_id=UNKNOWN_GROUP, name='web'),
         ['security_group_id', UNKNOWN_GROUP]),
    Case('sg-ambiguous-name', ONLINE, module('sg', name='twin', vpc_id=DEMO_VPC, description='twins'),
         ['twin', TWIN_GROUPS[0], TWIN_GROUPS[1]]),
    Case('sg-vpc-cannot-change', ONLINE, module('sg', security_group_id=VPC_GROUP, vpc_id=OTHER_VPC),
         ['vpc_id', OTHER_VPC]),
    Case('sg-enterprise-policy-cannot-be-accept', ONLINE,
         module('sg', security_group_id=ENTERPRISE_GROUP, inner_access_policy='accept'),
         ['inner_access_policy', ENTERPRISE_GROUP, 'always drop']),
    Case('sg-delete-group-with-members', ONLINE, module('sg', security_group_id=VPC_GROUP, state='absent'),
         [VPC_GROUP, WEB_1]),

    # Strings must be strings: Ansible would write a list's Python text ("['first line', 'second']").
    Case('sg-description-is-a-list', OFFLINE, module('sg', name='web', description=['first line', 'second']),
         ['description', 'a list', 'first line', 'allowed: a string']),
    Case('sg-name-is-a-dict', OFFLINE, module('sg', name={'tier': 'web'}), ['name', 'a dictionary', 'tier']),
    Case('sg-vpc-id-is-a-list', OFFLINE, module('sg', name='web', vpc_id=[DEMO_VPC]), ['vpc_id', 'a list', DEMO_VPC]),
    Case('sg-tag-value-is-a-list', OFFLINE, module('sg', name='web', tags={'team': ['a', 'b']}), ['tags', 'team', "['a', 'b']"]),
    Case('sg-tag-value-is-a-dict', OFFLINE, module('sg', name='web', tags={'team': {'a': 1}}), ['tags', 'team', "{'a': 1}"]),
    # ECS letters are A-Z, a-z and Chinese characters and its digits 0-9: isalnum() would take these.
    Case('sg-name-superscript-digit', OFFLINE, module('sg', name='web²'), ['name', 'web²', "'²'"]),
    Case('sg-name-arabic-digit', OFFLINE, module('sg', name='web٣'), ['name', 'web٣']),
    Case('sg-name-accented-letter', OFFLINE, module('sg', name='éclair'), ['name', 'éclair']),
    # A name in the form of an id would make every later reference by name ambiguous.
    Case('sg-name-id-form', OFFLINE, module('sg', name='sg-web'), ['name', 'sg-web', 'form of a security group id']),
    Case('sg-rename-to-id-form', OFFLINE, module('sg', security_group_id=VPC_GROUP, name='sg-bp1a2b3c4d5e6f7g8h9i'),
         ['name', 'sg-bp1a2b3c4d5e6f7g8h9i', 'form of a security group id']),

    # --- sg_rule: every rule field, then the peers only a read can check ------------------------------------
    Case('rule-cidr-bad-octet', OFFLINE, bad_rule(cidr='10.0.0.300/8'), ['rules[1]', 'cidr', '10.0.0.300/8']),
    Case('rule-cidr-bad-prefix', OFFLINE, bad_rule(cidr='10.0.0.0/33'), ['rules[1]', 'cidr', '10.0.0.0/33']),
    Case('rule-cidr-bad-ipv6', OFFLINE, bad_rule(cidr='2001:db8::zz/64'), ['rules[1]', 'cidr', '2001:db8::zz/64']),
    Case('rule-port-above-65535', OFFLINE, bad_rule(ports=70000), ['rules[1]', 'ports', '70000']),
    Case('rule-port-range-reversed', OFFLINE, bad_rule(ports='200/100'), ['rules[1]', 'ports', '200/100']),
    Case('rule-port-not-a-number', OFFLINE, bad_rule(ports='http'), ['rules[1]', 'ports', 'http']),
    Case('rule-port-zero', OFFLINE, bad_rule(ports='0/10'), ['rules[1]', 'ports', '0/10']),
    Case('rule-ports-missing-for-tcp', OFFLINE, bad_rule(ports=None), ['rules[1]', 'ports', 'tcp']),
    Case('rule-ports-on-icmp', OFFLINE, bad_rule(protocol='icmp', ports=22), ['rules[1]', 'ports', '22', 'icmp']),
    Case('rule-priority-above-100', OFFLINE, bad_rule(priority=101), ['rules[1]', 'priority', '101']),
    Case('rule-priority-zero', OFFLINE, bad_rule(priority=0), ['rules[1]', 'priority', '0']),
    Case('rule-protocol-sctp', OFFLINE, bad_rule(protocol='sctp'), ['rules[1]', 'protocol', 'sctp']),
    Case('rule-policy-allow', OFFLINE, bad_rule(policy='allow'), ['rules[1]', 'policy', 'allow']),
    # Choices of rule fields are checked by Ansible itself, whose message names the list (rules), not the index.
    Case('rule-nic-type-public', OFFLINE, bad_rule(nic_type='public'), ['rules', 'nic_type', 'public']),
    Case('rule-direction-inbound', OFFLINE, bad_rule(direction='inbound'), ['rules', 'direction', 'inbound']),
    Case('rule-no-peer', OFFLINE, bad_rule(cidr=None), ['rules[1]', 'cidr', 'group', 'prefix_list']),
    Case('rule-two-peers', OFFLINE, bad_rule(group='web'), ['rules[1]', 'group', 'web', 'cidr']),
    Case('rule-description-url', OFFLINE, bad_rule(description='http://example.com'),
         ['rules[1]', 'description', 'http://example.com']),
    Case('rule-source-port-range-bad', OFFLINE, bad_rule(source_port_range='99999/1'),
         ['rules[1]', 'source_port_range', '99999/1']),
    Case('rule-state-choice', OFFLINE, sg_rule(rules=[rule()], state='revoked'), ['state', 'revoked']),
    Case('rule-description-is-a-list', OFFLINE, bad_rule(description=['first line', 'second']),
         ['rules[1]', 'description', 'first line', 'not a string']),
    Case('rule-protocol-is-a-list', OFFLINE, bad_rule(protocol=['tcp']), ['rules[1]', 'protocol', 'tcp']),
    Case('rule-port-is-a-dict', OFFLINE, bad_rule(ports=[{'from': 22}]), ['rules[1]', 'ports', 'from']),
    Case('rule-rules-is-a-string', OFFLINE, sg_rule(rules='tcp 22 from 10.0.0.0/8'),
         ['rules', 'tcp 22 from 10.0.0.0/8', 'a list of dictionaries']),
    Case('rule-rules-item-is-a-string', OFFLINE, sg_rule(rules=['tcp 22']), ['rules[0]', 'tcp 22', 'a dictionary']),
    Case('rule-quota-negative', OFFLINE, sg_rule(rules=[rule()], rule_quota=-1), ['rule_quota', '-1', 'positive integer']),
    Case('rule-quota-zero', OFFLINE, sg_rule(rules=[rule()], rule_quota=0), ['rule_quota', '0', 'positive integer']),
    Case('rule-unknown-peer-group', ONLINE, bad_rule(cidr=None, group='no-such-group'),
         ['rules[1]', 'group', 'no-such-group']),
    Case('rule-self-reference', ONLINE, bad_rule(cidr=None, group='default-vpc'), ['rules[1]', 'default-vpc', 'itself']),
    Case('rule-ambiguous-peer-group', ONLINE, bad_rule(cidr=None, group='twin'),
         ['rules[1]', 'twin', TWIN_GROUPS[0], TWIN_GROUPS[1]]),
    Case('rule-unknown-security-group', ONLINE, sg_rule(security_group=UNKNOWN_GROUP, rules=[rule()]),
         ['security_group', UNKNOWN_GROUP]),
    Case('rule-drop-in-enterprise-group', ONLINE,
         sg_rule(security_group=ENTERPRISE_GROUP, rules=[rule(policy='drop', priority=100)]),
         ['policy', 'drop', 'enterprise']),

    # Every rule field is checked for its type before it is read: Python's text of a list or a dictionary is never
    # sent, whatever the key (aliases included); a number may stand for an account id.
    Case('rule-owner-account-is-a-list', OFFLINE,
         sg_rule(rules=[rule(), group_rule('sg-partner0000000000001', group_owner_account=['123', '456'])]),
         ['rules[1]', 'group_owner_account', '["123", "456"]', 'not a string', 'allowed:']),
    Case('rule-owner-id-is-a-dict', OFFLINE,
         sg_rule(rules=[rule(), group_rule('sg-partner0000000000001', group_owner_id={'a': 1})]),
         ['rules[1]', 'group_owner_id', '{"a": 1}', 'a dictionary', 'allowed:']),
    Case('rule-owner-id-is-true', OFFLINE,
         sg_rule(rules=[rule(), group_rule('sg-partner0000000000001', group_owner_id=True)]),
         ['rules[1]', 'group_owner_id=true', 'a boolean', 'allowed:']),
    Case('rule-owner-id-not-digits', OFFLINE,
         sg_rule(rules=[rule(), group_rule('sg-partner0000000000001', group_owner_id='partner')]),
         ['rules[1]', 'group_owner_id', 'partner', 'digits 0-9']),
    Case('rule-source-owner-alias-is-a-list', OFFLINE,
         sg_rule(rules=[rule(), {'ip_protocol': 'tcp', 'port_range': '22/22', 'source_group_id': 'sg-partner0000000000001',
                                 'source_group_owner_account': ['123']}]),
         ['rules[1]', 'source_group_owner_account', '["123"]', 'not a string']),
    Case('rule-dest-owner-alias-is-a-dict', OFFLINE,
         sg_rule(rules=[rule(), {'direction': 'egress', 'ip_protocol': 'tcp', 'port_range': '22/22',
                                 'dest_group_id': 'sg-partner0000000000001', 'dest_group_owner_id': {'id': 1}}]),
         ['rules[1]', 'dest_group_owner_id', '{"id": 1}', 'a dictionary']),
    Case('rule-prefix-list-is-a-list', OFFLINE, bad_rule(cidr=None, prefix_list=['pl-demo0000000000000001']),
         ['rules[1]', 'prefix_list', 'pl-demo0000000000000001', 'a list', 'allowed: a prefix list id']),
    Case('rule-dest-cidr-is-a-dict', OFFLINE, bad_rule(dest_cidr={'cidr': '10.1.0.0/16'}),
         ['rules[1]', 'dest_cidr', '10.1.0.0/16', 'a dictionary']),
    Case('rule-from-port-is-a-list', OFFLINE,
         sg_rule(rules=[rule(), {'proto': 'tcp', 'from_port': [22], 'to_port': 22, 'cidr_ip': '10.0.0.0/8'}]),
         ['rules[1]', 'from_port=[22]', 'not an integer']),
    # ECS lets the rules of one group name at most 20 groups: a plan past that fails before its first batch is written.
    Case('rule-group-reference-limit', ONLINE,
         sg_rule(rules=[group_rule(group_id) for group_id in PEER_GROUPS[:12]],
                 rules_egress=[group_rule(group_id) for group_id in PEER_GROUPS[12:]]),
         ['rules would make the group reference 21 security groups', 'at most 20 per group']),

    # --- sg_membership: ids, limits, and the checks made on what was read before any write -------------------
    Case('membership-instance-id-form', OFFLINE, module('sg_membership', instance_ids=['web-1'], security_groups=[VPC_GROUP]),
         ['instance_ids', 'web-1']),
    Case('membership-eni-id-form', OFFLINE,
         module('sg_membership', network_interface_ids=[WEB_1], security_groups=[VPC_GROUP]),
         ['network_interface_ids', WEB_1]),
    Case('membership-max-groups-zero', OFFLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[VPC_GROUP], max_groups=0), ['max_groups', '0']),
    Case('membership-state-choice', OFFLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[VPC_GROUP], state='join'), ['state', 'join']),
    Case('membership-instances-and-enis', OFFLINE,
         module('sg_membership', instance_ids=[WEB_1], network_interface_ids=['eni-demofree000000000001'],
                security_groups=[VPC_GROUP]), ['instance_ids', 'network_interface_ids']),
    Case('membership-no-group', OFFLINE, module('sg_membership', instance_ids=[WEB_1], security_groups=[' ']),
         ['security_groups']),
    Case('membership-leave-last-group', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[VPC_GROUP], state='absent'),
         ['security_groups', WEB_1, VPC_GROUP, 'without a security group']),
    Case('membership-group-limit', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[TWIN_GROUPS[0]], max_groups=1),
         ['max_groups', '1', WEB_1]),
    Case('membership-classic-into-vpc-group', ONLINE,
         module('sg_membership', instance_ids=[CLASSIC_INSTANCE], security_groups=[VPC_GROUP]),
         ['security_groups', CLASSIC_INSTANCE, VPC_GROUP, 'classic']),
    Case('membership-vpc-mismatch', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[OTHER_VPC_GROUP]),
         ['security_groups', WEB_1, OTHER_VPC_GROUP, OTHER_VPC]),
    Case('membership-normal-and-enterprise', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=[ENTERPRISE_GROUP]),
         ['security_groups', WEB_1, ENTERPRISE_GROUP, 'enterprise']),
    Case('membership-unknown-instance', ONLINE,
         module('sg_membership', instance_ids=[UNKNOWN_INSTANCE], security_groups=[VPC_GROUP]),
         ['instance_ids', UNKNOWN_INSTANCE]),
    Case('membership-unknown-group-name', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=['no-such-group'], vpc_id=DEMO_VPC),
         ['security_groups', 'no-such-group']),
    Case('membership-ambiguous-group-name', ONLINE,
         module('sg_membership', instance_ids=[WEB_1], security_groups=['twin'], vpc_id=DEMO_VPC),
         ['twin', TWIN_GROUPS[0], TWIN_GROUPS[1]]),

    # --- sg_tags ---------------------------------------------------------------------------------------------
    Case('tags-reserved-key', OFFLINE, module('sg_tags', security_group=[VPC_GROUP], tags={'aliyun': 'x'}), ['tags', 'aliyun']),
    Case('tags-too-many', OFFLINE, module('sg_tags', security_group=[VPC_GROUP], tags=TWENTY_ONE_TAGS), ['tags', '21']),
    Case('tags-no-group', OFFLINE, module('sg_tags', security_group=[''], tags={'team': 'web'}), ['security_group']),
    Case('tags-state-choice', OFFLINE, module('sg_tags', security_group=[VPC_GROUP], tags={'team': 'web'}, state='purged'),
         ['state', 'purged']),
    Case('tags-value-is-a-list', OFFLINE, module('sg_tags', security_group=[VPC_GROUP], tags={'team': ['a', 'b']}),
         ['tags', 'team', "['a', 'b']"]),
    Case('tags-unknown-group', ONLINE, module('sg_tags', security_group=[UNKNOWN_GROUP], tags={'team': 'web'}),
         ['security_group', UNKNOWN_GROUP]),
    Case('tags-limit-after-merge', ONLINE,
         module('sg_tags', security_group=[FULL_TAGS_GROUP], tags={'extra1': 'x', 'extra2': 'y'}),
         ['tags', FULL_TAGS_GROUP, '21']),

    # --- sg_info and sg_audit --------------------------------------------------------------------------------
    Case('info-max-workers-zero', OFFLINE, module('sg_info', max_workers=0), ['max_workers', '0']),
    Case('info-max-workers-too-many', OFFLINE, module('sg_info', max_workers=1000), ['max_workers', '1000']),
    Case('info-network-type-choice', OFFLINE, module('sg_info', network_type='hybrid'), ['network_type', 'hybrid']),
    Case('info-tag-filter-reserved', OFFLINE, module('sg_info', tags={'acs:x': 'y'}), ['tags', 'acs:x']),
    # The API filter takes ids only: a name would select nothing, silently.
    Case('info-ids-holding-a-name', OFFLINE, module('sg_info', security_group_ids=[VPC_GROUP, 'web']),
         ['security_group_ids', "'web'", 'name option']),
    Case('audit-ids-holding-a-name', OFFLINE, module('sg_audit', security_group_ids=['default-vpc']),
         ['security_group_ids', "'default-vpc'"]),
    Case('info-name-is-a-list', OFFLINE, module('sg_info', name=['web', 'db']), ['name', 'a list', 'allowed: a string']),
    # filters are checked as merged with the options: what the API takes for each filter, names refused where it takes ids.
    Case('info-filter-vpc-is-a-list', OFFLINE, module('sg_info', filters={'VpcId': [DEMO_VPC, OTHER_VPC]}),
         ['filters.VpcId', 'a list', DEMO_VPC, 'allowed: a string']),
    Case('info-filter-resource-group-is-a-dict', OFFLINE, module('sg_info', filters={'ResourceGroupId': {'x': 1}}),
         ['filters.ResourceGroupId', "{'x': 1}", 'allowed: a string']),
    Case('info-filter-name-is-a-list', OFFLINE, module('sg_info', filters={'SecurityGroupName': ['web']}),
         ['filters.SecurityGroupName', "['web']", 'allowed: a string']),
    Case('info-filter-ids-holding-a-name', OFFLINE, module('sg_info', filters={'SecurityGroupIds': ['web']}),
         ['filters.SecurityGroupIds', "'web'", 'not group ids', 'allowed: ids']),
    Case('audit-filter-ids-holding-a-name', OFFLINE, module('sg_audit', filters={'security_group_ids': 'default-vpc'}),
         ['filters.security_group_ids', "'default-vpc'", 'not group ids']),
    Case('info-filter-tag-value-is-a-list', OFFLINE, module('sg_info', filters={'Tag': [{'Key': 'env', 'Value': ['a', 'b']}]}),
         ['filters.Tag[0]', "['a', 'b']", 'allowed: a dictionary {Key: a string, Value: a string}']),
    Case('audit-fail-on-choice', OFFLINE, module('sg_audit', fail_on='critical'), ['fail_on', 'critical']),
    Case('audit-report-path-missing-directory', OFFLINE,
         module('sg_audit', report_path='/nonexistent-catalogue-dir/report.md'),
         ['report_path', '/nonexistent-catalogue-dir/report.md']),
    Case('audit-max-workers-zero', OFFLINE, module('sg_audit', max_workers=0), ['max_workers', '0']),
    Case('audit-unknown-disabled-check', OFFLINE, module('sg_audit', disabled_checks=['no-such-check']),
         ['disabled_checks', 'no-such-check']),
    Case('audit-sensitive-port-out-of-range', OFFLINE, module('sg_audit', sensitive_ports=[22, 70000]),
         ['sensitive_ports', '70000']),
    Case('audit-max-members-zero', OFFLINE, module('sg_audit', max_members=0), ['max_members', '0']),
    Case('audit-member-scan-choice', OFFLINE, module('sg_audit', member_scan='all'), ['member_scan', 'all']),

    # --- common options: credentials, region, endpoint, retries ----------------------------------------------
    Case('auth-unknown-profile', OFFLINE,
         module('sg_info', profile='nope', shared_credentials_file='{{ profile_file }}'), ['profile', 'nope'],
         play=NO_KEYS_PLAY),
    Case('auth-missing-region', OFFLINE, module('sg_info'), ['region'], play=NO_REGION_PLAY),
    Case('auth-region-not-an-id', OFFLINE, module('sg_info', region='Mars One'), ['region', 'Mars One']),
    Case('auth-endpoint-scheme', OFFLINE, module('sg_info', endpoint='ftp://127.0.0.1:21'), ['endpoint', 'ftp://127.0.0.1:21']),
    # Plain http to a host that is not loopback would send the AccessKeyId and any STS token unencrypted.
    Case('auth-insecure-endpoint-option', OFFLINE, module('sg_info', endpoint=INSECURE_ENDPOINT),
         ['endpoint', INSECURE_ENDPOINT, 'unencrypted', 'allow_insecure_endpoint'], play=NO_ENDPOINT_PLAY),
    Case('auth-insecure-endpoint-environment', OFFLINE,
         with_environment(module('sg', name='web', description='insecure'), ALICLOUD_ECS_ENDPOINT='http://10.1.2.3'),
         ['ALICLOUD_ECS_ENDPOINT', 'http://10.1.2.3', 'unencrypted', 'allow_insecure_endpoint'], play=NO_ENDPOINT_PLAY),
    Case('auth-insecure-endpoint-with-sts-token', OFFLINE,
         module('sg_rule', security_group=VPC_GROUP, rules=[rule()], endpoint=INSECURE_ENDPOINT,
                security_token='CatalogueStsToken-161803398'),
         ['endpoint', 'unencrypted'], play=NO_ENDPOINT_PLAY, forbid=['CatalogueStsToken-161803398']),
    Case('auth-ca-bundle-missing', OFFLINE, module('sg_info', endpoint='https://ecs.catalogue.example',
                                                   ca_bundle='/nonexistent-catalogue-dir/ca.pem'),
         ['ca_bundle', '/nonexistent-catalogue-dir/ca.pem'], play=NO_ENDPOINT_PLAY),
    Case('auth-retries-negative', OFFLINE, module('sg_info', retries=-1), ['retries', '-1']),
    Case('auth-retry-timeout-negative', OFFLINE, module('sg_info', retry_timeout=-5), ['retry_timeout', '-5']),
    Case('auth-read-timeout-zero', OFFLINE, module('sg_info', read_timeout=0), ['read_timeout', '0']),
    Case('auth-unknown-access-key', ONLINE,
         module('sg_info', access_key=UNKNOWN_ACCESS_KEY, secret_key=WRONG_SECRET), ['access_key', UNKNOWN_ACCESS_KEY],
         play=NO_KEYS_PLAY, forbid=[WRONG_SECRET]),
    Case('auth-wrong-secret', ONLINE,
         module('sg_info', access_key='{{ demo_access_key }}', secret_key=WRONG_SECRET),
         ['SignatureDoesNotMatch', 'AccessKeySecret'], play=NO_KEYS_PLAY, forbid=[WRONG_SECRET]),

    # --- roles: argument specs and the roles' own checks -----------------------------------------------------
    Case('port-deny-group-missing', OFFLINE, role('port_deny', port_deny_ports=['6379']), ['port_deny_group']),
    Case('port-deny-priority-not-int', OFFLINE, role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['6379'],
                                                     port_deny_priority='lowest'), ['port_deny_priority', 'lowest']),
    Case('port-deny-priority-101', OFFLINE, role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['6379'],
                                                 port_deny_priority=101), ['port_deny_priority', '101']),
    Case('port-deny-protocol-choice', OFFLINE, role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['6379'],
                                                    port_deny_protocol='icmp'), ['port_deny_protocol', 'icmp']),
    # For a value it cannot convert, Ansible's argument-spec message names the argument and the value's type.
    Case('port-deny-ports-not-a-list', OFFLINE, role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports={'redis': 6379}),
         ['port_deny_ports', 'of type dict']),
    # Every input is checked by sg_rule's own validation before the group is even read.
    Case('port-deny-bad-cidr', OFFLINE,
         role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['6379'], port_deny_cidrs=['0.0.0.0/99']),
         ['port_deny_cidrs', '0.0.0.0/99']),
    Case('port-deny-port-99999', OFFLINE, role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['99999']),
         ['port_deny_ports', '99999', '1-65535']),
    Case('port-deny-description-is-a-list', OFFLINE,
         role('port_deny', port_deny_group=VPC_GROUP, port_deny_ports=['6379'], port_deny_description=['a', 'b']),
         ['port_deny_description', 'not a string']),
    Case('port-deny-group-bad-name', OFFLINE, role('port_deny', port_deny_group='redis tier!', port_deny_ports=['6379']),
         ['port_deny_group', 'redis tier!']),
    Case('public-service-port-99999', OFFLINE,
         role('public_service', public_service_group=VPC_GROUP, public_service_ports=['443', '99999']),
         ['public_service_ports', '99999']),
    Case('public-service-priority-101', OFFLINE,
         role('public_service', public_service_group=VPC_GROUP, public_service_ports=['443'], public_service_priority=101),
         ['public_service_priority', '101', '1 (highest) to 100']),
    Case('public-service-ports-missing', OFFLINE, role('public_service', public_service_group=VPC_GROUP),
         ['public_service_ports']),
    Case('public-service-ipv6-not-bool', OFFLINE, role('public_service', public_service_group=VPC_GROUP,
                                                       public_service_ports=['443'], public_service_ipv6='maybe'),
         ['public_service_ipv6', 'maybe']),
    Case('public-service-unknown-group', ONLINE, role('public_service', public_service_group='no-such-group',
                                                      public_service_vpc_id=DEMO_VPC, public_service_ports=['443']),
         ['public_service_group', 'no-such-group']),
    Case('tier-access-target-missing', OFFLINE, role('tier_access', tier_access_source='web', tier_access_ports=['6379']),
         ['tier_access_target']),
    Case('tier-access-same-tier', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='web',
                                                tier_access_ports=['6379']), ['tier_access_source', 'tier_access_target', 'web']),
    Case('tier-access-tcp-without-ports', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='redis'),
         ['tier_access_ports', 'tcp']),
    Case('tier-access-policy-choice', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='redis',
                                                    tier_access_ports=['6379'], tier_access_inner_access_policy='allow'),
         ['tier_access_inner_access_policy', 'allow']),
    Case('tier-access-tags-not-a-dict', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='redis',
                                                      tier_access_ports=['6379'], tier_access_source_tags=['tier', 'web']),
         ['tier_access_source_tags', 'of type list']),
    # tier_access creates its groups first: every input must be refused before that, naming the role variable.
    Case('tier-access-port-99999', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='redis',
                                                 tier_access_ports=['6379', '99999']), ['tier_access_ports', '99999', '1-65535']),
    Case('tier-access-priority-101', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='redis',
                                                   tier_access_ports=['6379'], tier_access_priority=101),
         ['tier_access_priority', '101', '1 (highest) to 100']),
    Case('tier-access-bad-source-name', OFFLINE, role('tier_access', tier_access_source='web tier!', tier_access_target='redis',
                                                      tier_access_ports=['6379']), ['tier_access_source', 'web tier!']),
    Case('tier-access-bad-target-name', OFFLINE, role('tier_access', tier_access_source='web', tier_access_target='1redis',
                                                      tier_access_ports=['6379']), ['tier_access_target', '1redis']),
    Case('tier-access-description-is-a-list', OFFLINE,
         role('tier_access', tier_access_source='web', tier_access_target='redis', tier_access_ports=['6379'],
              tier_access_target_description=['first line', 'second']), ['tier_access_target_description', 'first line']),
    Case('tier-access-rule-description-url', OFFLINE,
         role('tier_access', tier_access_source='web', tier_access_target='redis', tier_access_ports=['6379'],
              tier_access_description='http://wiki/redis'), ['tier_access_description', 'http://wiki/redis']),
    Case('tier-access-tag-value-is-a-list', OFFLINE,
         role('tier_access', tier_access_source='web', tier_access_target='redis', tier_access_ports=['6379'],
              tier_access_source_tags={'team': ['a', 'b']}), ['tier_access_source_tags', 'team']),
    Case('tier-access-reserved-tag', OFFLINE,
         role('tier_access', tier_access_source='web', tier_access_target='redis', tier_access_ports=['6379'],
              tier_access_target_tags={'acs:team': 'x'}), ['tier_access_target_tags', 'acs:team']),
    Case('tier-access-target-superscript', OFFLINE,
         role('tier_access', tier_access_source='web', tier_access_target='redis²', tier_access_ports=['6379']),
         ['tier_access_target', 'redis²']),
    # What only a read of the target tells is found by sg_rule in check mode before the role's first write.
    Case('tier-access-enterprise-target', ONLINE,
         role('tier_access', tier_access_source='catalogue-app', tier_access_target=ENTERPRISE_GROUP,
              tier_access_vpc_id=DEMO_VPC, tier_access_ports=['5432']),
         ['tier_access_target', ENTERPRISE_GROUP, 'enterprise security group', 'allowed: cidr or prefix_list']),
    Case('tier-access-service-managed-target', ONLINE,
         role('tier_access', tier_access_source='catalogue-app', tier_access_target=MANAGED_GROUP,
              tier_access_vpc_id=DEMO_VPC, tier_access_ports=['5432'], tier_access_egress=True),
         ['tier_access_target', MANAGED_GROUP, 'managed by a cloud service']),
    Case('tier-access-vpc-target-by-id-without-vpc-id', ONLINE,
         role('tier_access', tier_access_source='catalogue-app', tier_access_target=VPC_GROUP, tier_access_vpc_id='',
              tier_access_ports=['5432']),
         ['tier_access_source catalogue-app would be created in the classic network', VPC_GROUP, DEMO_VPC,
          'tier_access_vpc_id is ""', 'allowed: two tiers of one network']),
    Case('sg-cleanup-bad-pattern', OFFLINE, role('sg_cleanup', sg_cleanup_name_pattern='web-(['),
         ['sg_cleanup_name_pattern', 'web-([', 'regular expression']),
    Case('sg-cleanup-reserved-tag', OFFLINE, role('sg_cleanup', sg_cleanup_tags={'aliyun:x': 'y'}),
         ['sg_cleanup_tags', 'aliyun:x']),
    Case('sg-cleanup-no-selection', OFFLINE, role('sg_cleanup'), ['sg_cleanup_tags', 'sg_cleanup_name_pattern']),
    Case('sg-cleanup-keep-not-a-list', OFFLINE, role('sg_cleanup', sg_cleanup_tags={'team': 'web'},
                                                     sg_cleanup_keep={'group': 'web'}), ['sg_cleanup_keep', 'of type dict']),
    Case('sg-cleanup-tags-not-a-dict', OFFLINE, role('sg_cleanup', sg_cleanup_tags='environment'),
         ['sg_cleanup_tags', 'of type str']),
]

CASES_BY_ID = {case.case_id: case for case in CASES}


def seed_online_resources(admin):
    """What the online cases look up: twin names, an enterprise group, another VPC, a group holding 19 tags, a
    service-managed group, and 21 peer groups."""
    admin.seed(
        vpcs=[{'VpcId': OTHER_VPC, 'CidrBlock': '10.0.0.0/8', 'VpcName': 'other'}],
        security_groups=[
            {'SecurityGroupId': TWIN_GROUPS[0], 'SecurityGroupName': 'twin', 'VpcId': DEMO_VPC, 'Description': 'twin a'},
            {'SecurityGroupId': TWIN_GROUPS[1], 'SecurityGroupName': 'twin', 'VpcId': DEMO_VPC, 'Description': 'twin b'},
            {'SecurityGroupId': ENTERPRISE_GROUP, 'SecurityGroupName': 'enterprise', 'VpcId': DEMO_VPC,
             'SecurityGroupType': 'enterprise'},
            {'SecurityGroupId': OTHER_VPC_GROUP, 'SecurityGroupName': 'other', 'VpcId': OTHER_VPC},
            {'SecurityGroupId': FULL_TAGS_GROUP, 'SecurityGroupName': 'full-tags', 'VpcId': DEMO_VPC,
             'Tags': {'key%02d' % index: 'value' for index in range(19)}},
            {'SecurityGroupId': MANAGED_GROUP, 'SecurityGroupName': 'managed', 'VpcId': DEMO_VPC, 'ServiceManaged': True},
        ] + [{'SecurityGroupId': group_id, 'SecurityGroupName': 'peer-%02d' % index, 'VpcId': DEMO_VPC}
             for index, group_id in enumerate(PEER_GROUPS)])


def write_profile_file(directory):
    """An aliyun CLI config file with one good profile, so that only the profile name is wrong."""
    path = os.path.join(directory, 'aliyun-config.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'current': 'emulator', 'profiles': [
            {'name': 'emulator', 'mode': 'AK', 'access_key_id': 'LTAIprofileKey000000', 'access_key_secret': 'x' * 30,
             'region_id': DEMO_REGION}]}, handle)
    return path


def build_playbook(runner, run, workdir):
    """The plays of one run, each case followed by its marker task."""
    auth = runner.auth_defaults()
    defaults = {
        MAIN_PLAY: auth,
        NO_KEYS_PLAY: {'endpoint': auth['endpoint'], 'region': auth['region']},
        NO_REGION_PLAY: {key: value for key, value in auth.items() if key != 'region'},
        NO_ENDPOINT_PLAY: {key: value for key, value in auth.items() if key != 'endpoint'},
    }
    empty_home = os.path.join(workdir, 'empty-home')
    os.makedirs(empty_home, exist_ok=True)
    plays = []
    for play_name in (MAIN_PLAY, NO_KEYS_PLAY, NO_REGION_PLAY, NO_ENDPOINT_PLAY):
        tasks = []
        for case in [case for case in CASES if case.run == run and case.play == play_name]:
            for task in case.tasks:
                tasks.append(dict(task, name='case %s' % case.case_id))
            tasks.append({'name': MARKER_PREFIX + case.case_id, 'ansible.builtin.debug': {'msg': case.case_id}})
        if not tasks:
            continue
        plays.append({
            'name': '%s cases (%s)' % (run, play_name),
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/cloudwall.alicloud.alicloud': defaults[play_name]},
            # No aliyun CLI config file in reach: credentials and region come only from the case.
            'environment': {'HOME': empty_home},
            'vars': {'profile_file': write_profile_file(workdir), 'demo_access_key': auth['access_key']},
            'tasks': tasks,
        })
    path = os.path.join(workdir, 'bad-input-%s.yml' % run)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(plays, handle, indent=1)
    return path


def results_by_case(entries):
    """{case id: [recorded results of its tasks]}, split at the marker tasks."""
    by_case = {}
    pending = []
    for entry in entries:
        if entry['task'].startswith(MARKER_PREFIX):
            by_case[entry['task'][len(MARKER_PREFIX):]] = pending
            pending = []
        else:
            pending.append(entry)
    return by_case


def make_run(runner, admin, run):
    """Run the cases of `run` once; return what the assertions need, as JSON-able data."""
    # From the demo seed, whatever ran on this worker's emulator before (another run, too).
    admin.reset(seed='demo')
    if run == ONLINE:
        seed_online_resources(admin)
    before = admin.state()
    mark = admin.mark()
    result = runner.run_playbook(build_playbook(runner, run, runner.workdir), verbosity=0)
    calls = admin.calls(since=mark)
    return {
        'rc': result.rc,
        'stderr': result.stderr[-4000:],
        'cases': results_by_case(result.results),
        'calls': [{'action': call['action'], 'mutating': call['mutating'], 'code': call['code']} for call in calls],
        'state_unchanged': admin.state() == before,
        'raw_output': result.stdout + result.stderr,
    }


def shared_path(tmp_path_factory, run):
    """Where the results of `run` are kept for the whole session, shared by all pytest-xdist workers."""
    session_id = os.environ.get('PYTEST_XDIST_TESTRUNUID')
    base = tmp_path_factory.getbasetemp()
    # Each worker's basetemp is a directory of the session's; without xdist there is only this one.
    shared_dir = base.parent if session_id else base
    return shared_dir / ('bad-input-%s-%s.json' % (session_id or 'single', run))


def make_run_once(request, tmp_path_factory, run, blocking):
    """Make `run` unless made or being made (by this or another worker); returns whether it is made now."""
    path = shared_path(tmp_path_factory, run)
    with open(str(path) + '.lock', 'w', encoding='utf-8') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        if not path.exists():
            made = make_run(request.getfixturevalue('runner'), request.getfixturevalue('admin'), run)
            path.write_text(json.dumps(made), encoding='utf-8')
    return True


def shared_run(request, tmp_path_factory, run):
    """The results of `run`, made once per test session.

    Under pytest-xdist every worker has its own emulator; the first worker that needs a run makes it (against its
    own emulator) and writes the results where all workers see them. A worker that finds its run being made by
    another makes a run nobody has started yet meanwhile, so that the two workers make the runs side by side.
    """
    if not make_run_once(request, tmp_path_factory, run, blocking=False):
        for other in RUNS:
            if other != run and not shared_path(tmp_path_factory, other).exists():
                make_run_once(request, tmp_path_factory, other, blocking=False)
        make_run_once(request, tmp_path_factory, run, blocking=True)
    return json.loads(shared_path(tmp_path_factory, run).read_text(encoding='utf-8'))


RUNS = (OFFLINE, ONLINE)
RUN_CACHE = {}


@pytest.fixture
def catalogue_run(request, tmp_path_factory):
    """A function giving the results of a run (made at most once per session)."""
    def get(run):
        if run not in RUN_CACHE:
            RUN_CACHE[run] = shared_run(request, tmp_path_factory, run)
        return RUN_CACHE[run]
    return get


def test_the_catalogue_is_large_and_covers_every_module_and_role():
    assert len(CASES) >= 60 and len(CASES_BY_ID) == len(CASES)
    covered = set()
    for case in CASES:
        for task in case.tasks:
            for key in task:
                if key.startswith('cloudwall.alicloud.'):
                    covered.add(key.split('.')[-1])
            for inner in task.get('block', []):
                covered.add(inner.get('ansible.builtin.include_role', {}).get('name', '').split('.')[-1])
    assert covered >= {'sg', 'sg_rule', 'sg_membership', 'sg_tags', 'sg_info', 'sg_audit',
                       'tier_access', 'public_service', 'port_deny', 'sg_cleanup'}


@pytest.mark.parametrize('case_id', [case.case_id for case in CASES])
def test_bad_input_fails_naming_the_argument_and_the_value(catalogue_run, case_id):
    case = CASES_BY_ID[case_id]
    run = catalogue_run(case.run)
    assert case_id in run['cases'], 'no marker for the case: %s' % run['stderr']
    failed = [entry for entry in run['cases'][case_id] if entry['status'] == 'failed']
    assert failed, 'the case did not fail: %r' % run['cases'][case_id]
    message = str(failed[-1]['result'].get('msg'))
    for secret in case.forbid:
        assert secret not in message
    missing = [fragment for fragment in case.expect if fragment not in message]
    assert not missing, 'message lacks %r: %s' % (missing, message)


def test_offline_cases_make_no_api_call_at_all(catalogue_run):
    run = catalogue_run(OFFLINE)
    assert run['rc'] == 0, run['stderr']
    assert run['calls'] == []
    assert run['state_unchanged']


def test_online_cases_only_read_and_change_nothing(catalogue_run):
    run = catalogue_run(ONLINE)
    assert run['rc'] == 0, run['stderr']
    assert run['calls'], 'the online cases made no call: they cannot have checked anything against the API'
    # sg tries a delete first and lists members only when the API refuses it (fewer calls when it does not):
    # that refused DeleteSecurityGroup is the one write allowed, and it changes nothing.
    refused_delete = {'action': 'DeleteSecurityGroup', 'mutating': True, 'code': 'DependencyViolation'}
    assert [call for call in run['calls'] if call['mutating'] and call != refused_delete] == []
    assert all(call['action'].startswith(('Describe', 'List')) for call in run['calls'] if call != refused_delete), run['calls']
    assert run['state_unchanged']


def test_refused_credentials_never_show_the_wrong_secret(catalogue_run):
    run = catalogue_run(ONLINE)
    refused = {call['code'] for call in run['calls'] if call['code']}
    assert {'InvalidAccessKeyId.NotFound', 'SignatureDoesNotMatch'} <= refused, refused
    assert WRONG_SECRET not in run['raw_output']
