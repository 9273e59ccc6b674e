# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._group_plan import group_after, plan_update

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"

# --- pure planning --------------------------------------------------------------------------------------------

CURRENT = {"security_group_id": GROUP_ID, "security_group_name": "web", "description": "Web tier", "vpc_id": "vpc-1",
           "security_group_type": "normal", "inner_access_policy": "accept", "resource_group_id": "",
           "tags": {"tier": "web", "owner": "a"}}


@pytest.mark.parametrize("params, changes", [
    pytest.param({}, {}, id="nothing-given"),
    pytest.param({"name": "web", "description": "Web tier", "inner_access_policy": "accept", "vpc_id": "vpc-1"}, {},
                 id="all-equal"),
    pytest.param({"name": "web2"}, {"attribute": {"name": "web2"}}, id="rename"),
    pytest.param({"description": "New text"}, {"attribute": {"description": "New text"}}, id="description"),
    pytest.param({"inner_access_policy": "drop"}, {"policy": "drop"}, id="policy"),
    pytest.param({"tags": {"tier": "web"}, "purge_tags": True}, {"tags_remove": ["owner"]}, id="purge-tag"),
    pytest.param({"tags": {"tier": "app"}, "purge_tags": False}, {"tags_set": {"tier": "app"}}, id="change-tag"),
    pytest.param({"tags": None, "purge_tags": True}, {}, id="tags-unmanaged"),
])
def test_plan_update(params, changes):
    assert plan_update(CURRENT, params) == changes


@pytest.mark.parametrize("params, current, fragment", [
    pytest.param({"vpc_id": "vpc-2"}, CURRENT, "vpc_id of %s is 'vpc-1' and cannot change to 'vpc-2'" % GROUP_ID,
                 id="vpc"),
    pytest.param({"security_group_type": "enterprise"}, CURRENT, "security_group_type", id="type"),
    pytest.param({"resource_group_id": "rg-9"}, CURRENT, "resource_group_id", id="resource-group"),
    pytest.param({"inner_access_policy": "accept"},
                 dict(CURRENT, security_group_type="enterprise", inner_access_policy="drop"),
                 "enterprise group", id="enterprise-accept"),
])
def test_plan_update_refuses_impossible_changes(params, current, fragment):
    with pytest.raises(ValidationError) as raised:
        plan_update(current, params)
    assert fragment in str(raised.value)


def test_group_after_predicts_every_change():
    changes = plan_update(CURRENT, {"name": "web2", "description": "Other", "inner_access_policy": "drop",
                                    "tags": {"tier": "app"}, "purge_tags": True})
    after = group_after(CURRENT, changes)
    assert after == dict(CURRENT, security_group_name="web2", description="Other", inner_access_policy="drop",
                         tags={"tier": "app"})
    assert plan_update(after, {"name": "web2", "tags": {"tier": "app"}, "purge_tags": True}) == {}
