# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ecs
short_description: Alibaba Cloud ECS instances as hosts, grouped by security group and VPC
version_added: 0.1.0
description:
  - Lists the ECS instances of one or more regions (every page) and adds them as hosts.
  - Each host is put in one group per security group it belongs to, named C(sg_<group name>), and in one
    group per VPC, named after the VPC id (C(vpc-bp1...) becomes C(vpc_bp1...)). Characters that are not
    allowed in an Ansible group name become C(_). Groups with the same name in several VPCs or regions share
    one C(sg_) group; use O(keyed_groups) on C(region_id) or C(vpc_id) to tell them apart.
  - O(compose), O(groups) and O(keyed_groups) build any other variable or group from the host variables, and
    the inventory cache keeps a listing between runs.
  - The inventory source is a YAML file whose name ends in C(ecs.yml) or C(ecs.yaml).
  - "Host variables: C(instance_id), C(instance_name), C(status), C(region_id), C(zone_id),
    C(instance_network_type) (V(vpc) or V(classic)), C(vpc_id), C(vswitch_id), C(private_ip_address),
    C(private_ip_addresses), C(public_ip_address), C(public_ip_addresses) (public and elastic IP addresses),
    C(security_group_ids), C(security_group_names) (in the same order), C(instance_tags) (a dictionary) and
    C(creation_time)."
author:
  - cloudwall maintainers (@cloudwall)
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.inventory_auth
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - Marks the file as an inventory source of this plugin.
    type: str
    required: true
    choices: [cloudwall.alicloud.ecs]
  regions:
    description:
      - Region ids whose instances are listed, for example V(cn-hangzhou). Each region is read with the same
        credentials and endpoint.
      - When empty, the one region of O(region) (or its environment variables, or the aliyun CLI profile).
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - How hosts are named, in order of preference. A host takes the first of these that has a value not
        already taken by another host; when none is left it takes its instance id, so two instances never
        become one host.
      - V(instance_id), V(instance_name), V(private_ip_address) (the first private address) or
        V(public_ip_address) (the first public or elastic IP address).
    type: list
    elements: str
    default: [instance_id]
  filters:
    description:
      - Which instances to list. Every filter must match. Filters are sent to the API, which takes one status
        and one security group per request, so several values make one request each.
      - V(status) - an instance status or a list of them (V(Pending), V(Running), V(Starting), V(Stopping),
        V(Stopped)).
      - V(vpc_id) - a VPC id.
      - V(network_type) - V(vpc) or V(classic).
      - V(tags) - a dictionary of tags the instance must carry; an empty value matches any value of the key.
      - V(security_group_ids) - instances in any of these groups (a list of group ids).
      - V(security_group_names) - instances in any group with one of these exact names. Names are looked up in
        each region; a region with none of the groups lists no instance.
    type: dict
    default: {}
"""

EXAMPLES = r"""
---
# inventory/prod.ecs.yml: every instance of two regions, named by instance name (the instance id when
# a name is taken twice), grouped by security group (sg_web, sg_redis, ...) and VPC.
plugin: cloudwall.alicloud.ecs
regions: [cn-hangzhou, cn-shanghai]
hostnames: [instance_name, instance_id]
filters:
  status: Running
# Credentials come from ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY (or profile: and the aliyun CLI file).
# Connect to the private address, and add groups by zone and by the value of the "tier" tag.
compose:
  ansible_host: private_ip_address
keyed_groups:
  - key: zone_id
    prefix: zone
  - key: instance_tags.tier | default('none')
    prefix: tier
groups:
  exposed: public_ip_address != ''

---
# inventory/web.ecs.yml: only the members of two groups, from one aliyun CLI profile; keep the listing
# for 10 minutes (ansible-inventory --flush-cache reads it again).
plugin: cloudwall.alicloud.ecs
profile: production
regions: [cn-hangzhou]
filters:
  security_group_names: [web, web-canary]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cloudwall-ecs-inventory
cache_timeout: 600

---
# inventory/emulator.ecs.yml: the collection's local emulator (python -m emulator --seed demo).
plugin: cloudwall.alicloud.ecs
endpoint: http://127.0.0.1:8765
access_key: LTAI5tEmuDemoAccessKey01
secret_key: EmuDemoSecretDoNotUseInProd000
regions: [cn-hangzhou]
hostnames: [instance_name]
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.cloudwall.alicloud.plugins.module_utils._client import AUTH_ARGUMENT_SPEC, EcsClient
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError, EcsApiError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._inventory import (
    InventoryOptionError,
    choose_hostnames,
    default_groups,
    list_region,
    validate_filters,
    validate_hostnames,
    validate_regions,
)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """ECS instances of one or more regions, grouped by security group and VPC."""

    NAME = "cloudwall.alicloud.ecs"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("ecs.yml", "ecs.yaml"))

    def _auth_params(self):
        """Auth options set in the inventory source, for EcsClient.from_module_params.

        Values Ansible took from environment variables are left out: the shared resolver reads the
        environment itself, in the modules' order, so an ALICLOUD_* variable never outranks a profile set
        in the source and a key pair never mixes two sources.
        """
        params = {}
        for name in AUTH_ARGUMENT_SPEC:
            value, origin = self.get_option_and_origin(name)
            if not str(origin).startswith("env"):
                params[name] = value
        return params

    def _settings(self):
        """Validated options; raises AnsibleParserError naming the option before any API call."""
        try:
            regions = validate_regions(self.get_option("regions"))
            hostnames = validate_hostnames(self.get_option("hostnames"))
            filters = validate_filters(self.get_option("filters"))
        except InventoryOptionError as error:
            raise AnsibleParserError("cloudwall.alicloud.ecs: %s" % error)
        return regions, hostnames, filters

    def _clients(self, regions):
        """One client per region, all from the shared code path of the modules (credentials, endpoint, retries)."""
        params = self._auth_params()
        try:
            if not regions:
                client = EcsClient.from_module_params(params, os.environ)
                return [client]
            return [EcsClient.from_module_params(dict(params, region=region), os.environ) for region in regions]
        except ConfigurationError as error:
            raise AnsibleParserError("cloudwall.alicloud.ecs: %s" % error)

    def _fetch(self, clients, filters):
        hosts = []
        for client in clients:
            try:
                hosts.extend(list_region(client, filters))
            except EcsApiError as error:
                raise AnsibleParserError("cloudwall.alicloud.ecs: region %s (%s): %s" % (client.region, client.identity, error))
        return hosts

    def _populate(self, hosts, hostnames):
        strict = self.get_option("strict")
        for name, hostvars in zip(choose_hostnames(hosts, hostnames), hosts):
            self.inventory.add_host(name)
            for key, value in hostvars.items():
                self.inventory.set_variable(name, key, value)
            for group in default_groups(hostvars):
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path)
        self._read_config_data(path)
        regions, hostnames, filters = self._settings()
        clients = self._clients(regions)

        # The cache holds host variables only (no option, no credential); the key is the source's path.
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        hosts = None
        if use_cache:
            try:
                hosts = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if hosts is None:
            hosts = self._fetch(clients, filters)
        if update_cache:
            self._cache[cache_key] = hosts
        self._populate(hosts, hostnames)
