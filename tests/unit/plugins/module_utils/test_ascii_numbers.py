# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Numbers in text are ASCII digits, as ECS reads them: \\d, isdigit() and int() also take other scripts' digits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._client import parse_endpoint
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RuleContext, RuleError, check_port_range, parse_rules
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.rule_samples import rule


@pytest.mark.parametrize("value", ["٨٠", "8٠", "²²", "80/٩٠", "８０"])
def test_ports_in_other_digits_are_refused(value):
    assert check_port_range(value)[0] is None


@pytest.mark.parametrize("priority", ["١", "²", "１"])
def test_priorities_in_other_digits_are_refused_not_crashed_on(priority):
    with pytest.raises(RuleError) as raised:
        parse_rules([rule(protocol="tcp", ports=22, cidr="10.0.0.0/8", priority=priority)], RuleContext())
    assert "priority" in str(raised.value)


@pytest.mark.parametrize("endpoint", ["127.0.0.1:²", "127.0.0.1:٨٠"])
def test_endpoint_ports_in_other_digits_are_refused_not_crashed_on(endpoint):
    with pytest.raises(ConfigurationError) as raised:
        parse_endpoint(endpoint)
    assert raised.value.option == "endpoint"
