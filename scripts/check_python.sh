#!/usr/bin/env bash
# usage: check_python.sh PYTHON — stop with one line unless PYTHON is a Python 3.11+ interpreter.
python=${1:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "make: no Python interpreter '$python' on PATH; this project needs Python 3.11+: make PYTHON=/path/to/python3.12 demo" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "make: $python is Python $("$python" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?'); this project needs 3.11+: make PYTHON=/path/to/python3.12 demo" >&2
  exit 1
fi
