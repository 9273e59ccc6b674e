# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a built collection tarball: it holds the collection and none of the development-only files.

The emulator and everything that needs it (integration tests, their harness, benchmarks, the demo driver) stay
in the repository.
"""

import re
import sys
import tarfile

FORBIDDEN = re.compile(
    r'(^|/)(emulator|benchmarks|build|hacking|\.venv|\.ci|tests/output|tests/emulator|tests/integration|tests/conformance|tests/lib|pyproject\.toml|__pycache__|\.pytest_cache)(/|$)'
    r'|(^|/)pytest\.ini$|\.(sqlite3?|db|log|pyc)$'
)
# A releasable collection: its licence (GPL-3.0-or-later, as the file headers say), release notes and the role
# metadata Galaxy shows.
REQUIRED = ('MANIFEST.json', 'FILES.json', 'meta/runtime.yml', 'plugins/modules/sg.py', 'README.md', 'COPYING',
            'CHANGELOG.rst', 'changelogs/changelog.yaml', 'roles/port_deny/meta/main.yml',
            'roles/public_service/meta/main.yml', 'roles/sg_cleanup/meta/main.yml', 'roles/tier_access/meta/main.yml')


def main():
    path = sys.argv[1]
    with tarfile.open(path) as archive:
        names = [name[2:] if name.startswith('./') else name for name in archive.getnames()]
    bad = sorted(name for name in names if FORBIDDEN.search(name))
    missing = [name for name in REQUIRED if name not in names]
    if bad or missing:
        for name in bad:
            print('must not be in the build: %s' % name)
        for name in missing:
            print('missing from the build: %s' % name)
        sys.exit(1)
    print('%s: %d entries, no development-only files' % (path, len(names)))


if __name__ == '__main__':
    main()
