# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ansible-playbook finds this collection when tests, benchmarks or the demo run it."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_path(workdir):
    """The directory holding ansible_collections/cloudwall/alicloud for this checkout.

    When the checkout already sits at such a path (the build tree `make` uses) that is the answer;
    otherwise a symlink to the checkout is made under ``workdir``.
    """
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == 'ansible_collections':
        return os.sep.join(parts[:-3])
    parent = os.path.join(workdir, 'collections', 'ansible_collections', 'cloudwall')
    os.makedirs(parent, exist_ok=True)
    link = os.path.join(parent, 'alicloud')
    if not os.path.islink(link):
        os.symlink(REPO_ROOT, link)
    return os.path.join(workdir, 'collections')
