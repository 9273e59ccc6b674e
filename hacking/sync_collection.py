# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mirror the checkout into build/ansible_collections/cloudwall/alicloud.

ansible-test only runs from a path ending in ansible_collections/<namespace>/<name>, and resolves symlinks,
so the collection is copied there. Only files git knows (tracked, or untracked and not ignored) are copied;
files that disappeared from the checkout are removed from the copy. tests/output (ansible-test's own work
area with its virtualenvs) is kept between runs.

The copy lies inside the checkout's ignored build/ folder, and ansible-test lists its targets with
``git ls-files`` of the enclosing repository, which would then find none. So the copy gets a git
repository of its own (no commits needed: untracked files that are not ignored count).
"""

import filecmp
import os
import shutil
import subprocess
import sys

KEEP = ('tests/output/', '.git/')


def checkout_files(root):
    """Files git knows (tracked, or untracked and not ignored) that are on disk."""
    out = subprocess.check_output(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=root)
    return sorted(path for path in out.decode('utf-8').split('\0') if path and os.path.isfile(os.path.join(root, path)))


def mirror(root, target):
    wanted = set(checkout_files(root))
    copied = 0
    for rel in wanted:
        src, dst = os.path.join(root, rel), os.path.join(target, rel)
        if os.path.exists(dst) and filecmp.cmp(src, dst, shallow=False):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        copied += 1
    removed = 0
    for dirpath, dirnames, filenames in os.walk(target, topdown=True):
        reldir = os.path.relpath(dirpath, target)
        reldir = '' if reldir == '.' else reldir + '/'
        dirnames[:] = [d for d in dirnames if not (reldir + d + '/').startswith(KEEP)]
        for name in filenames:
            rel = reldir + name
            if rel not in wanted:
                os.remove(os.path.join(dirpath, name))
                removed += 1
    for dirpath, dirnames, filenames in os.walk(target, topdown=False):
        rel = os.path.relpath(dirpath, target) + '/'
        if dirpath != target and not rel.startswith(KEEP) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return copied, removed


def own_repository(target):
    probe = subprocess.run(['git', 'rev-parse', '--show-toplevel'], cwd=target, capture_output=True, text=True, check=False)
    if probe.stdout.strip() != target:
        shutil.rmtree(os.path.join(target, '.git'), ignore_errors=True)
        subprocess.check_call(['git', 'init', '--quiet', target])


def main():
    root, target = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    copied, removed = mirror(root, target)
    own_repository(target)
    print('collection tree %s: %d file(s) updated, %d removed' % (target, copied, removed))


if __name__ == '__main__':
    main()
