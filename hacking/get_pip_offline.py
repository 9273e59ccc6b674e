# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the pip bootstrap script that ansible-test downloads from a host these machines cannot reach.

ansible-test runs ``python get_pip.py [pip options] <packages> [--no-setuptools] [--no-wheel]`` inside a fresh
virtual environment. This does the same job with what Python ships: ``ensurepip`` gives a pip, and that pip
installs the requested packages (a pinned pip) from the package index. The Makefile copies it to the cache path
ansible-test looks at (``~/.ansible/test/cache/get_pip_<version>.py``).
"""

import subprocess
import sys

IGNORED = ('--no-setuptools', '--no-wheel')


def main():
    args = [arg for arg in sys.argv[1:] if arg not in IGNORED]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
