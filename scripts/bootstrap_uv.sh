#!/usr/bin/env bash
# usage: bootstrap_uv.sh PYTHON UV_VENV — install uv into the project's own virtualenv UV_VENV (used when uv is
# neither on PATH nor in ~/.local/bin). Nothing is installed into PYTHON itself or the user's site-packages.
set -u
python=${1:-python3} venv=${2:-.venv-uv}
bash "$(dirname "$0")/check_python.sh" "$python" || exit 1
rm -rf "$venv"
if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
  echo "make: '$python -m venv' failed; install the venv module (Debian: apt-get install python3-venv) or make PYTHON=/path/to/python3.12 demo" >&2
  rm -rf "$venv"; exit 1
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>"$venv.err"; then
  echo "make: could not install uv from the package index into $venv: no network to PyPI? ($(tail -n 1 "$venv.err"))" >&2
  rm -rf "$venv" "$venv.err"; exit 1
fi
rm -f "$venv.err"
