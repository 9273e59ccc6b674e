# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The environment variables of the ``auth`` options, for inventory plugins.

Inventory options are read by Ansible's config system, which takes environment variables from ``env`` entries.
Listed after ``cloudwall.alicloud.auth`` in ``extends_documentation_fragment``, this fragment adds only those entries:
Ansible merges an option's keys from every fragment, so the option texts stay in ``auth`` alone. A unit test
(tests/unit/plugins/doc_fragments/test_inventory_auth.py) checks the entries against the variable tables of
``_credentials.py`` (the code that reads them).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:
    """``env`` entries of the ``auth`` options, for the ``cloudwall.alicloud.ecs`` inventory."""

    DOCUMENTATION = r"""
options:
  access_key:
    env:
      - name: ALICLOUD_ACCESS_KEY
      - name: ALICLOUD_ACCESS_KEY_ID
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
  secret_key:
    env:
      - name: ALICLOUD_SECRET_KEY
      - name: ALICLOUD_SECRET_ACCESS_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
  security_token:
    env:
      - name: ALICLOUD_SECURITY_TOKEN
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
  region:
    env:
      - name: ALICLOUD_REGION
      - name: ALICLOUD_REGION_ID
      - name: ALIBABA_CLOUD_REGION_ID
  profile:
    env:
      - name: ALICLOUD_PROFILE
      - name: ALIBABA_CLOUD_PROFILE
  shared_credentials_file:
    env:
      - name: ALICLOUD_SHARED_CREDENTIALS_FILE
  assume_role_arn:
    env:
      - name: ALICLOUD_ASSUME_ROLE_ARN
      - name: ALIBABA_CLOUD_ROLE_ARN
  assume_role_session_name:
    env:
      - name: ALICLOUD_ASSUME_ROLE_SESSION_NAME
      - name: ALIBABA_CLOUD_ROLE_SESSION_NAME
  assume_role_session_expiration:
    env:
      - name: ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION
      - name: ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION
  ecs_role_name:
    env:
      - name: ALICLOUD_ECS_ROLE_NAME
      - name: ALIBABA_CLOUD_ECS_METADATA
  endpoint:
    env:
      - name: ALICLOUD_ECS_ENDPOINT
notes:
  - Environment variables and the aliyun CLI profile are read by the same code as the modules, in the order described
    under O(access_key); a value set in the inventory source wins over the environment.
"""
