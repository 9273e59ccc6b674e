# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a module's documentation blocks from its source, without importing it (so EXAMPLES can be run)."""

import ast
import os

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _examples_text(plugin_type, name):
    path = os.path.join(REPO_ROOT, 'plugins', plugin_type, name + '.py')
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'EXAMPLES':
            return node.value.value
    raise AssertionError('%s has no EXAMPLES' % name)


def module_examples(module_name):
    """The tasks of a module's EXAMPLES."""
    return yaml.safe_load(_examples_text('modules', module_name))


def inventory_examples(plugin_name):
    """The inventory sources of an inventory plugin's EXAMPLES (YAML documents separated by ---)."""
    return list(yaml.safe_load_all(_examples_text('inventory', plugin_name)))
