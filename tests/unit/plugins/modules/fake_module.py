# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for AnsibleModule for the module-class tests: params in, fail_json raises."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class FailJson(Exception):
    """Raised by FakeAnsibleModule.fail_json; ``result`` is what the module would have returned."""

    def __init__(self, kwargs):
        super(FailJson, self).__init__(kwargs.get("msg"))
        self.result = kwargs


class FakeAnsibleModule:
    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    def warn(self, warning):
        self.warnings.append(warning)


class SinglePageEcs:
    """Mixin for fake ECS clients whose answers are one page: paginate() is call() plus the items path."""

    def paginate(self, action, params, items_path, style="token", page_size=None):  # pylint: disable=unused-argument
        node = self.call(action, params)
        for part in items_path.split("."):
            node = node.get(part, {})
        return node or []


def default_params(module_class, **overrides):
    """The parameters AnsibleModule would hand the module: every option at its default, then ``overrides``."""
    spec = module_class.define_module()["argument_spec"]
    params = dict((name, option.get("default")) for name, option in spec.items())
    params.update(overrides)
    return params


def run_module_class(module_class, ecs, check_mode=False, diff=False, **params):
    """Run a module class on a fake ECS client; the result as exit_json would get it, warnings included."""
    fake = FakeAnsibleModule(default_params(module_class, **params), check_mode, diff)
    instance = module_class(fake)
    instance._client = ecs  # pylint: disable=protected-access
    instance.execute()
    result = instance.get_result()
    result["warnings"] = fake.warnings
    return result
