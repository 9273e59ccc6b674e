# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugin's own logic through Ansible's plugin loader: source names, options refused before any call,
which auth values reach the shared resolver. Listing, groups and caching run against the emulator in
tests/integration/test_inventory.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client


@pytest.fixture
def plugin():
    return inventory_loader.get("cloudwall.alicloud.ecs")


@pytest.fixture
def no_client(monkeypatch):
    """Fails the test if the plugin gets as far as building a client (i.e. would call the API)."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the plugin built a client although the options are bad")
    monkeypatch.setattr(_client.EcsClient, "from_module_params", classmethod(refuse))


@pytest.mark.parametrize("name, expected", [
    ("prod.ecs.yml", True), ("ecs.yaml", True), ("hosts.yml", False), ("prod.ecs.yml.bak", False), ("aws_ec2.yml", False),
])
def test_verify_file(plugin, tmp_path, name, expected):
    path = tmp_path / name
    path.write_text("plugin: cloudwall.alicloud.ecs\n")
    assert plugin.verify_file(str(path)) is expected


def _parse(plugin, tmp_path, text):
    path = tmp_path / "t.ecs.yml"
    path.write_text("plugin: cloudwall.alicloud.ecs\naccess_key: AK\nsecret_key: SECRET\n" + text)
    plugin.parse(InventoryData(), DataLoader(), str(path), cache=False)


@pytest.mark.parametrize("text, words", [
    ("regions: [cn_hangzhou!]\n", ["regions", "'cn_hangzhou!'", "cn-hangzhou"]),
    ("hostnames: [dns_name]\n", ["hostnames", "'dns_name'", "instance_name"]),
    ("filters: {status: Up}\n", ["filters.status", "'Up'", "Running"]),
    ("filters: {instance_state: Running}\n", ["filters", "'instance_state'", "security_group_ids"]),
])
def test_bad_options_fail_before_any_client(plugin, tmp_path, no_client, text, words):
    with pytest.raises(AnsibleParserError) as raised:
        _parse(plugin, tmp_path, text)
    message = str(raised.value)
    for word in words:
        assert word in message
    assert "SECRET" not in message


def test_auth_from_source_and_environment_take_the_shared_path(plugin, tmp_path, monkeypatch):
    """Values from the source are passed as options; variables Ansible read from the environment are not
    (the shared resolver reads os.environ itself), and no client is built without regions resolved."""
    seen = []

    def record(_cls, params, env):
        seen.append((dict(params), env.get("ALICLOUD_PROFILE")))
        raise _client.ConfigurationError("stop here", option="region")

    monkeypatch.setattr(_client.EcsClient, "from_module_params", classmethod(record))
    monkeypatch.setenv("ALICLOUD_PROFILE", "from-env")
    with pytest.raises(AnsibleParserError) as raised:
        _parse(plugin, tmp_path, "regions: [cn-shanghai]\nendpoint: http://127.0.0.1:1\n")
    assert "stop here (option region)" in str(raised.value)
    params, env_profile = seen[0]
    assert params["access_key"] == "AK" and params["endpoint"] == "http://127.0.0.1:1" and params["region"] == "cn-shanghai"
    assert "profile" not in params and env_profile == "from-env"
    assert params["retries"] == 8
