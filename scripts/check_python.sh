#!/usr/bin/env bash
# usage: check_python.sh PYTHON — print PYTHON's absolute path (its sys.executable: a pyenv shim or a name on
# PATH becomes the real interpreter), or stop with one line unless PYTHON is a Python 3.11+ interpreter. The
# line names a usable interpreter found on PATH, if there is one.
python=${1:-python3}

# suggest: `make PYTHON=... demo` with the first python3.1X on PATH that runs and is 3.11+, else a placeholder.
suggest() {
  local candidate
  for candidate in python3.14 python3.13 python3.12 python3.11; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "make PYTHON=$("$candidate" -c 'import sys; print(sys.executable)') demo"
      return
    fi
  done
  echo "install Python 3.11+ and run make PYTHON=/path/to/python3.12 demo"
}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "make: no Python interpreter '$python' on PATH; this project needs Python 3.11+: $(suggest)" >&2
  exit 1
fi
if ! version=$("$python" -c 'import platform; print(platform.python_version())' 2>/dev/null); then
  echo "make: '$python' is not a working Python interpreter; this project needs Python 3.11+: $(suggest)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "make: $python is Python $version; this project needs 3.11+: $(suggest)" >&2
  exit 1
fi
"$python" -c 'import sys; print(sys.executable)'
