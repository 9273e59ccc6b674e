# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the Mermaid charts the audit report (and the fleet report, which holds each target's) emits: a strict syntax
check of the subset it writes (always), and the real Mermaid parser under node (when tests/lib/mermaid's packages are
installed: ``make mermaid-parser``, see its README).

The strict check accepts only what the renderer is meant to write: ``flowchart LR``; nodes ``ID["label"]``,
``ID(["label"])``, ``ID[/"label"/]``; edges ``ID -->|"label"| ID`` and ``ID -.->|"label"| ID`` between declared
nodes; ``classDef`` and ``class`` lines. A label holds letters, digits, spaces, ``,./:=+-_()@`` and ``#N;``
entities only, so a hostile name can neither close its quotes nor smuggle HTML, Markdown or a statement.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MERMAID_DIR = os.path.join(HERE, 'mermaid')


def _node_modules():
    """CLOUDWALL_MERMAID_MODULES, else build/mermaid/node_modules of the repository (also from its build tree)."""
    if os.environ.get('CLOUDWALL_MERMAID_MODULES'):
        return os.environ['CLOUDWALL_MERMAID_MODULES']
    root = os.path.dirname(os.path.dirname(HERE))
    marker = os.sep + os.path.join('build', 'ansible_collections') + os.sep
    if marker in root:
        root = root.split(marker)[0]
    return os.path.join(root, 'build', 'mermaid', 'node_modules')


NODE_MODULES = _node_modules()

_ID = r'[A-Za-z][A-Za-z0-9_]*'
_LABEL = r'(?:[^\W_]|[ ,./:=+\-_()@]|#\d+;)*'
_NODE = re.compile(r'^  (%s)(?:\["(%s)"\]|\(\["(%s)"\]\)|\[/"(%s)"/\])$' % (_ID, _LABEL, _LABEL, _LABEL))
_EDGE = re.compile(r'^  (%s) (?:-->|-\.->)\|"(%s)"\| (%s)$' % (_ID, _LABEL, _ID))
_CLASS_DEF = re.compile(r'^  classDef [a-z_]+ [a-z-]+:[#0-9a-z ]+(?:,[a-z-]+:[#0-9a-z ]+)*$')
_CLASS = re.compile(r'^  class (%s(?:,%s)*) [a-z_]+$' % (_ID, _ID))


def check_chart(text):
    """Problems of one chart (an empty list when it is well formed)."""
    lines = text.rstrip('\n').split('\n')
    problems = []
    if lines[0] != 'flowchart LR':
        problems.append('line 1 is %r, not "flowchart LR"' % lines[0])
    declared = set()
    for number, line in enumerate(lines[1:], 2):
        node, edge = _NODE.match(line), _EDGE.match(line)
        if node:
            if node.group(1) in declared:
                problems.append('line %d declares %s twice' % (number, node.group(1)))
            declared.add(node.group(1))
        elif edge:
            for node_id in (edge.group(1), edge.group(3)):
                if node_id not in declared:
                    problems.append('line %d: edge uses undeclared node %s' % (number, node_id))
        elif _CLASS.match(line):
            for node_id in _CLASS.match(line).group(1).split(','):
                if node_id not in declared:
                    problems.append('line %d: class of undeclared node %s' % (number, node_id))
        elif not _CLASS_DEF.match(line):
            problems.append('line %d is not a node, edge or class line: %r' % (number, line))
    return problems


def mermaid_blocks(markdown):
    """The text of every ```mermaid block of a Markdown document."""
    return re.findall(r'^```mermaid\n(.*?)^```$', markdown, re.M | re.S)


def node_parser_available():
    return bool(shutil.which('node')) and os.path.isdir(os.path.join(NODE_MODULES, 'mermaid'))


def require_node_parser():
    """Skip the calling test when Mermaid's parser is not installed (``make mermaid-parser``), or fail it in CI
    (``CI=true``), where the Makefile installs the parser and a skip would hide that it did not."""
    if node_parser_available():
        return
    why = 'the Mermaid parser is not installed: node %s, %s %s (make mermaid-parser installs it)' % (
        'found' if shutil.which('node') else 'missing', NODE_MODULES,
        'holds mermaid' if os.path.isdir(os.path.join(NODE_MODULES, 'mermaid')) else 'has no mermaid')
    if os.environ.get('CI') == 'true':
        pytest.fail('CI=true: ' + why)
    pytest.skip(why)


def check_with_mermaid(charts):
    """Problems of each chart by Mermaid's parser: ``[]`` when every chart parses as a flowchart, else one text per
    chart that does not (its index and the parser's error)."""
    problems = []
    for index, result in enumerate(parse_with_mermaid(list(charts))):
        if not result['ok']:
            problems.append('chart %d: %s' % (index, result['error']))
        elif not result['type'].startswith('flowchart'):
            problems.append('chart %d parses as %s, not a flowchart' % (index, result['type']))
    return problems


def parse_with_mermaid(charts):
    """``[{"ok": bool, "type" or "error": str}]`` from mermaid.parse() under node, one per chart."""
    env = dict(os.environ, NODE_PATH=NODE_MODULES)
    script = os.path.join(MERMAID_DIR, 'parse.mjs')
    proc = subprocess.run(['node', script, NODE_MODULES], input=json.dumps(charts), capture_output=True, text=True,
                          timeout=120, env=env, check=False)
    if proc.returncode != 0:
        raise AssertionError('node could not run the Mermaid parser: %s' % proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().split("\n")[-1])  # not splitlines(): U+2028 may be in an error
