# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An independent SDK client for tests: reads (and seeds) state through the real ECS API of the emulator.

Deliberately separate from plugins/module_utils so that integration tests do not check the collection's
API layer with itself.
"""

import json

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from .emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY

JSON_ARRAY_PARAMS = {('DescribeSecurityGroups', 'SecurityGroupIds'), ('DescribeInstances', 'InstanceIds')}


def flatten(action, params):
    """Turn {"Permissions": [{"IpProtocol": "TCP"}], "Tag": {"k": "v"}} into the SDK's flat query form."""
    flat = {}
    for key, value in params.items():
        if value is None:
            continue
        if (action, key) in JSON_ARRAY_PARAMS:
            flat[key] = json.dumps(list(value))
        elif key == 'Tag' and isinstance(value, dict):
            for index, (tag_key, tag_value) in enumerate(value.items(), 1):
                flat['Tag.%d.Key' % index] = tag_key
                flat['Tag.%d.Value' % index] = tag_value
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value, 1):
                if isinstance(item, dict):
                    for field, field_value in item.items():
                        if field_value is not None:
                            flat['%s.%d.%s' % (key, index, field)] = str(field_value)
                else:
                    flat['%s.%d' % (key, index)] = str(item)
        elif isinstance(value, bool):
            flat[key] = 'true' if value else 'false'
        else:
            flat[key] = str(value)
    return flat


class EcsReader:
    def __init__(self, host_port, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY, region=DEMO_REGION):
        self.host_port = host_port
        self.client = AcsClient(access_key, secret_key, region, auto_retry=False, max_retry_time=0,
                                proxy={'http': None, 'https': None})

    def call(self, action, **params):
        request = CommonRequest(domain=self.host_port, version='2014-05-26', action_name=action)
        request.set_method('POST')
        request.set_protocol_type('http')
        request.set_accept_format('json')
        for key, value in flatten(action, params).items():
            request.add_query_param(key, value)
        return json.loads(self.client.do_action_with_exception(request))

    # Shortcuts the tests use most.
    def groups(self, **filters):
        groups, token = [], None
        while True:
            page = self.call('DescribeSecurityGroups', MaxResults=100, NextToken=token, **filters)
            groups.extend(page['SecurityGroups']['SecurityGroup'])
            token = page.get('NextToken')
            if not token:
                return groups

    def group_by_name(self, name, vpc_id=None):
        found = [g for g in self.groups(SecurityGroupName=name, VpcId=vpc_id) if g['SecurityGroupName'] == name]
        assert len(found) <= 1, 'more than one group named %s' % name
        return found[0] if found else None

    def rules(self, group_id, direction='all'):
        rules, token = [], None
        while True:
            page = self.call('DescribeSecurityGroupAttribute', SecurityGroupId=group_id, Direction=direction,
                             MaxResults=1000, NextToken=token)
            rules.extend(page['Permissions']['Permission'])
            token = page.get('NextToken')
            if not token:
                return rules

    def instance_groups(self, instance_id):
        page = self.call('DescribeInstances', InstanceIds=[instance_id])
        return page['Instances']['Instance'][0]['SecurityGroupIds']['SecurityGroupId']

    def tags(self, group_id):
        page = self.call('ListTagResources', ResourceType='securitygroup', ResourceId=[group_id])
        return {t['TagKey']: t['TagValue'] for t in page['TagResources']['TagResource']}
