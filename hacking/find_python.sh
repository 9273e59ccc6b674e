#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 for the toolchain virtualenv (ansible-core 2.21 needs 3.12+ on the
# controller). On these machines 3.12 comes from pyenv, whose bare `python3.12` shim fails unless
# PYENV_VERSION names an installed 3.12; on a user's machine python3.12+ is usually on PATH.
set -u
works() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ] && works "$PYTHON"; then echo "$PYTHON"; exit 0; fi
for name in python3.12 python3.13 python3.14 python3; do
  path=$(command -v "$name" 2>/dev/null) || continue
  works "$path" && { echo "$path"; exit 0; }
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.[0-9]+)?$' | sort -V); do
    for name in python3.12 python3.13 python3.14 python3; do
      path=$(PYENV_VERSION="$version" pyenv which "$name" 2>/dev/null) || continue
      works "$path" && { echo "$path"; exit 0; }
    done
  done
fi
echo "No Python 3.12 or newer found: install one, or run make with PYTHON=/path/to/python3.12" >&2
exit 1
