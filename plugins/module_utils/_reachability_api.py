# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""sg_reachability's query: validate the options (no I/O), read what the query involves in as few requests as the
API allows (built on ``EcsClient.call()``), then answer with the pure evaluation of ``_reachability``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from collections import OrderedDict

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _reachability as ra
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    MEMBERS_PAGE_SIZE,
    ambiguous_name_error,
    describe_groups,
    describe_members,
    describe_rules,
    groups_named,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._membership_api import read_instances, read_network_interfaces
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import MAX_PORT, MIN_PORT, PORTED_PROTOCOLS, rules_from_permissions

PROTOCOL_CHOICES = ra.QUERY_PROTOCOLS

# Members a name may stand for once no group has it, in lookup order: (action, items, name field, id field, what,
# endpoint builder). DescribeInstances InstanceName and DescribeNetworkInterfaces NetworkInterfaceName filter by name.
_NAMED_MEMBERS = (
    ("DescribeInstances", "Instances.Instance", "InstanceName", "InstanceId", "instances", ra.endpoint_from_instance),
    ("DescribeNetworkInterfaces", "NetworkInterfaceSets.NetworkInterfaceSet", "NetworkInterfaceName", "NetworkInterfaceId",
     "network interfaces", ra.endpoint_from_interface),
)
_ALLOWED_PORT = "a port from %d to %d, for tcp and udp only" % (MIN_PORT, MAX_PORT)


class ReachabilityLookupError(LookupError):
    """A source or destination that names nothing, or several things: ``option`` says which one (the module fails
    with ``AlicloudModule.fail_lookup``), ``candidates`` what an ambiguous name matched."""

    def __init__(self, option, message, candidates=None):
        super(ReachabilityLookupError, self).__init__(message)
        self.option = option
        self.candidates = candidates or []


class ReachabilityQuery:
    """The options of one sg_reachability task: validated, read, answered."""

    def __init__(self, params):
        self.params = params
        # Reference text -> (option that first named it, parsed kind, value); destinations need members.
        self.refs = OrderedDict()
        self.destination_refs = set()
        self.endpoints = {}      # reference text -> [Endpoint] as a source (a group: any member)
        self.destinations = {}   # reference text -> [Endpoint] as a destination (a group: each member)
        self.groups = OrderedDict()
        self.prefix_lists = {}

    # -- validation (no I/O) ------------------------------------------------------------------------------

    def _reference(self, option, text, problems, destination=False, protocol=None):
        try:
            kind, value = ra.parse_reference(text)
        except ValueError as error:
            problems.append("%s is %r and %s; allowed: %s" % (option, text, error, ra.ALLOWED_REFERENCES))
            return None
        if destination and kind in (ra.REF_CIDR, ra.REF_INTERNET):
            problems.append("%s is %r, which has no security groups; allowed: %s" % (option, text, ra.ALLOWED_DESTINATIONS))
            return None
        if kind == ra.REF_CIDR:
            version = ipaddress.ip_network(value).version
            wanted = self._ip_version(protocol or self.params["protocol"])
            if version != wanted:
                problems.append("%s is %r, an IPv%d block, but the traffic is IPv%d; allowed: a CIDR block of ip_version %d "
                                "(icmpv6 is IPv6)" % (option, text, version, wanted, wanted))
        key = text.strip()
        self.refs.setdefault(key, (option, kind, value))
        if destination:
            self.destination_refs.add(key)
        return key

    def _ip_version(self, protocol):
        return 6 if protocol == "icmpv6" else self.params["ip_version"]

    @staticmethod
    def _ports(option, protocol, ports, problems):
        ports = [port for port in (ports or []) if port is not None]
        if protocol.upper() in PORTED_PROTOCOLS:
            if not ports:
                problems.append("%s is missing; %s traffic needs one; allowed: %s" % (option, protocol, _ALLOWED_PORT))
            for port in ports:
                if not MIN_PORT <= port <= MAX_PORT:
                    problems.append("%s has %d; allowed: %s" % (option, port, _ALLOWED_PORT))
        elif ports:
            problems.append("%s is %s but %s has no ports; allowed: no port for icmp, gre and icmpv6" % (
                option, ", ".join(str(port) for port in ports), protocol))

    def validate(self):
        """Every problem with the options, each naming the option, the value and what is allowed."""
        params = self.params
        problems = []
        if params["source"] is not None:
            self._reference("source", params["source"], problems)
            self._reference("destination", params["destination"], problems, destination=True)
        if params["source"] is not None or params["matrix"]:
            self._ports("port", params["protocol"], params["port"], problems)
        for index, entry in enumerate(params["matrix"] or []):
            self._reference("matrix[%d]" % index, entry, problems)
        for index, intent in enumerate(params["expect"] or []):
            label = "expect[%d]" % index
            self._reference(label + ".source", intent["source"], problems, protocol=intent["protocol"])
            self._reference(label + ".destination", intent["destination"], problems, destination=True)
            self._ports(label + ".port", intent["protocol"], [intent["port"]], problems)
        for list_id, entries in (params["prefix_lists"] or {}).items():
            if not str(list_id).startswith("pl-") or not isinstance(entries, list):
                problems.append("prefix_lists has %r: %r; allowed: a prefix list id (pl-...) with a list of CIDR blocks" % (
                    list_id, entries))
                continue
            for entry in entries:
                try:
                    ipaddress.ip_network(str(entry), strict=False)
                except ValueError:
                    problems.append("prefix_lists.%s has %r; allowed: CIDR blocks" % (list_id, entry))
            self.prefix_lists[list_id] = [str(entry) for entry in entries]
        return problems

    # -- reading ------------------------------------------------------------------------------------------

    def read(self, client):
        """Resolve every reference, read the members of destination groups and the rules of every group involved."""
        by_kind = OrderedDict((kind, []) for kind in (ra.REF_INSTANCE, ra.REF_ENI, ra.REF_GROUP, ra.REF_NAME))
        for key, (_option, kind, value) in self.refs.items():
            if kind in by_kind:
                by_kind[kind].append((key, value))
            elif kind == ra.REF_INTERNET:
                self.endpoints[key] = [ra.INTERNET]
            else:
                self.endpoints[key] = [ra.cidr_endpoint(value)]
        self._read_instances(client, by_kind[ra.REF_INSTANCE])
        self._read_interfaces(client, by_kind[ra.REF_ENI])
        raw_groups = OrderedDict()
        self._read_group_refs(client, by_kind[ra.REF_GROUP], raw_groups)
        for key, name in by_kind[ra.REF_NAME]:
            self._read_name(client, key, name, raw_groups)
        for key in list(self.endpoints):
            self._expand_destination_group(client, key)
        self._read_rules(client, raw_groups)

    def _missing(self, key, what):
        return ReachabilityLookupError(self.refs[key][0], "no %s has the id %r in this region; allowed: %s" % (
            what, key, ra.ALLOWED_REFERENCES))

    def _read_instances(self, client, pairs):
        if not pairs:
            return
        found = read_instances(client, [value for _key, value in pairs])
        for key, value in pairs:
            if value not in found:
                raise self._missing(key, "instance")
            self.endpoints[key] = [ra.endpoint_from_instance(found[value])]

    def _read_interfaces(self, client, pairs):
        if not pairs:
            return
        found = read_network_interfaces(client, [value for _key, value in pairs])
        for key, value in pairs:
            if value not in found:
                raise self._missing(key, "network interface")
            self.endpoints[key] = [ra.endpoint_from_interface(found[value])]

    def _read_group_refs(self, client, pairs, raw_groups):
        if not pairs:
            return
        found = dict((raw["SecurityGroupId"], raw) for raw in describe_groups(client, ids=[value for _key, value in pairs]))
        for key, value in pairs:
            if value in found:
                raw_groups[value] = found[value]
                self.endpoints[key] = [self._group_member(found[value])]
                continue
            # A name may look like an id ("sg-web"): as in every group lookup of the collection, try the name next.
            if self._named_group(client, key, value, raw_groups):
                continue
            if key in self.destination_refs or self.refs[key][0].startswith("matrix"):
                raise self._missing(key, "security group")
            else:
                # A group this account cannot read (another account's): its members match rules naming its id.
                self.endpoints[key] = [ra.unknown_group_endpoint(value)]

    @staticmethod
    def _group_member(raw):
        return ra.member_endpoint(ra.KIND_GROUP, raw["SecurityGroupId"], raw.get("SecurityGroupName"), raw.get("VpcId"),
                                  None, [raw["SecurityGroupId"]])

    def _named_group(self, client, key, name, raw_groups):
        """Whether one group has the name (it is then the reference's endpoint); several fail, naming them."""
        vpc_id = self.params["vpc_id"]
        matches = groups_named(client, name, vpc_id)
        if len(matches) > 1:
            error = ambiguous_name_error(name, vpc_id, matches)
            raise ReachabilityLookupError(self.refs[key][0], str(error), error.candidates)
        if matches:
            raw_groups[matches[0]["SecurityGroupId"]] = matches[0]
            self.endpoints[key] = [self._group_member(matches[0])]
        return bool(matches)

    def _read_name(self, client, key, name, raw_groups):
        """A name is a group's, else an instance's, else a network interface's: each lookup is one request, made only
        when the one before found nothing. Several groups, instances or interfaces of that name fail, naming them."""
        if self._named_group(client, key, name, raw_groups):
            return
        vpc_id = self.params["vpc_id"]
        option = self.refs[key][0]
        where = " in %s" % vpc_id if vpc_id else ""
        for action, items_path, name_key, id_key, what, to_endpoint in _NAMED_MEMBERS:
            query = {name_key: name}
            if vpc_id:
                query["VpcId"] = vpc_id
            # The name filters are not trusted to be exact.
            found = [item for item in client.paginate(action, query, items_path, style="token", page_size=MEMBERS_PAGE_SIZE)
                     if item.get(name_key) == name]
            if len(found) == 1:
                self.endpoints[key] = [to_endpoint(found[0])]
                return
            if found:
                candidates = sorted("%s (%s)" % (item.get(name_key), item.get(id_key)) for item in found)
                raise ReachabilityLookupError(option, "%r is the name of %d %s%s: %s; give the id or set vpc_id" % (
                    name, len(found), what, where, ", ".join(candidates)), candidates)
        raise ReachabilityLookupError(option, "no security group, instance or network interface has the name %r%s; "
                                              "allowed: %s" % (name, where, ra.ALLOWED_REFERENCES))

    def _expand_destination_group(self, client, key):
        endpoints = self.endpoints[key]
        if key not in self.destination_refs or endpoints[0].kind != ra.KIND_GROUP:
            return
        members = describe_members(client, endpoints[0].endpoint_id)
        expanded = ra.members_of(members["instances"], members["network_interfaces"])
        # A group without members is answered for "any member", so the answer still says what its rules allow.
        self.destinations[key] = expanded or endpoints

    def _read_rules(self, client, raw_groups):
        needed = []
        for endpoints in list(self.endpoints.values()) + list(self.destinations.values()):
            for endpoint in endpoints:
                if endpoint.kind == ra.KIND_GROUP and endpoint.endpoint_id not in raw_groups:
                    continue  # another account's group: its rules are not readable here
                needed.extend(endpoint.group_ids)
        needed = unique(needed)
        missing = [group_id for group_id in needed if group_id not in raw_groups]
        if missing:
            for raw in describe_groups(client, ids=missing):
                raw_groups[raw["SecurityGroupId"]] = raw
        for group_id in needed:
            raw = raw_groups.get(group_id)
            if raw is None:
                continue  # not readable here: answers say "not evaluated" for it
            attributes, permissions = describe_rules(client, group_id)
            is_vpc = bool(raw.get("VpcId") or attributes.get("VpcId"))
            self.groups[group_id] = ra.ReachGroup(
                group_id=group_id, name=raw.get("SecurityGroupName") or "", vpc_id=raw.get("VpcId") or "",
                group_type=(raw.get("SecurityGroupType") or "normal").lower(),
                inner_access_policy=(attributes.get("InnerAccessPolicy") or "").lower() or None,
                rules=tuple(rules_from_permissions(permissions, is_vpc)))

    # -- answers ------------------------------------------------------------------------------------------

    def _evaluate(self, source, destination, protocol, port):
        return ra.evaluate(source, destination, protocol, port, self.groups, self.prefix_lists,
                           self._ip_version(protocol))

    def _pairs(self, source_key, destination_key, protocol, ports):
        answers = []
        for source in self.endpoints[source_key.strip()]:
            key = destination_key.strip()
            for destination in self.destinations.get(key, self.endpoints[key]):
                for port in ports:
                    answers.append(self._evaluate(source, destination, protocol, port))
        return answers

    def _port_list(self, protocol, ports):
        return list(ports or []) if protocol.upper() in PORTED_PROTOCOLS else [None]

    def answer_pair(self):
        params = self.params
        if params["source"] is None:
            return []
        answers = self._pairs(params["source"], params["destination"], params["protocol"],
                              self._port_list(params["protocol"], params["port"]))
        return [ra.answer_to_dict(answer) for answer in answers]

    def matrix_endpoints(self):
        return [ra.endpoint_to_dict(endpoint) for endpoint in self._matrix_list()]

    def _matrix_list(self):
        endpoints = []
        for entry in self.params["matrix"] or []:
            for endpoint in self.endpoints[entry.strip()]:
                if endpoint not in endpoints:
                    endpoints.append(endpoint)
        return endpoints

    def answer_matrix(self):
        params = self.params
        endpoints = self._matrix_list()
        answers = ra.matrix(endpoints, params["protocol"], self._port_list(params["protocol"], params["port"]),
                            self.groups, self.prefix_lists, self._ip_version(params["protocol"]))
        header, rows = ra.matrix_table(endpoints, answers)
        return header, rows, [ra.answer_to_dict(answer) for answer in answers]

    def check_intents(self):
        """``(intents, failing)``: every intent with its answers, and one line per intent that does not hold (with
        every answer that breaks it: a group holds only when it holds for each member). A partial answer (part of a
        CIDR or Internet source gets through) holds neither ``reachable: true`` nor ``reachable: false``."""
        intents, failing = [], []
        for index, intent in enumerate(self.params["expect"] or []):
            protocol = intent["protocol"]
            answers = self._pairs(intent["source"], intent["destination"], protocol,
                                  self._port_list(protocol, [intent["port"]]))
            wrong = [answer for answer in answers if answer.partial or answer.reachable != intent["reachable"]]
            intents.append(OrderedDict([
                ("source", intent["source"]), ("destination", intent["destination"]), ("protocol", protocol),
                ("port", intent["port"] if protocol.upper() in PORTED_PROTOCOLS else None),
                ("reachable", intent["reachable"]), ("holds", not wrong),
                ("answers", [ra.answer_to_dict(answer) for answer in answers]),
            ]))
            if wrong:
                failing.append("expect[%d] expects %s, but %s" % (
                    index, "reachable" if intent["reachable"] else "not reachable",
                    " and ".join(ra.explain(answer) for answer in wrong)))
        return intents, failing
