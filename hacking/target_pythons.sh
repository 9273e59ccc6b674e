#!/usr/bin/env bash
# Prints "X.Y PATH" for each Python that modules must still run on (ansible-core 2.21's remote-only
# versions) and that this machine has, on PATH or through pyenv. ansible-test clears PYENV_VERSION in
# its child processes, so the interpreter is passed by path.
set -u
for minor in 3.9 3.10 3.11; do
  found=""
  path=$(command -v "python$minor" 2>/dev/null) && found=$("$path" -c 'import sys; print(sys.executable)' 2>/dev/null)
  if [ -z "$found" ] && command -v pyenv >/dev/null 2>&1; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E "^${minor//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1)
    [ -n "$version" ] && found=$(PYENV_VERSION="$version" pyenv which "python$minor" 2>/dev/null)
  fi
  if [ -n "$found" ]; then echo "$minor $found"; else echo "$minor -"; fi
done
