# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ansible-playbook finds this collection when tests, benchmarks or the demo run it."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _holds_this_collection(path):
    return os.path.isfile(os.path.join(path, 'ansible_collections', 'cloudwall', 'alicloud', 'galaxy.yml'))


def collections_path(workdir):
    """The directory holding ansible_collections/cloudwall/alicloud for this checkout.

    The build tree `make` uses, when this file is in it; else the build tree ANSIBLE_COLLECTIONS_PATH names (the
    Makefile exports it); else, for a script run by hand from a bare checkout, a symlink to the checkout made
    under ``workdir``.
    """
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == 'ansible_collections':
        return os.sep.join(parts[:-3])
    for path in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        if path and _holds_this_collection(path):
            return path
    parent = os.path.join(workdir, 'collections', 'ansible_collections', 'cloudwall')
    os.makedirs(parent, exist_ok=True)
    link = os.path.join(parent, 'alicloud')
    if not os.path.islink(link):
        os.symlink(REPO_ROOT, link)
    return os.path.join(workdir, 'collections')
