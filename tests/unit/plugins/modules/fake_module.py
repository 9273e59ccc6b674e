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
