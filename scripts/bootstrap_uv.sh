#!/usr/bin/env bash
# usage: bootstrap_uv.sh PYTHON UV_VENV — install uv into the project's own virtualenv UV_VENV (used when no
# usable uv is on PATH or in ~/.local/bin). Nothing is installed into PYTHON itself or the user's site-packages.
# UV_VENV appears whole or not at all: uv is installed into a scratch directory beside it, proven to run, then
# renamed, so an interrupted bootstrap (or two makes at once) never leaves a half-made UV_VENV to be trusted.
set -u
python=${1:-python3} venv=${2:-.venv-uv}
python=$(bash "$(dirname "$0")/check_python.sh" "$python") || exit 1
echo "make: no uv on PATH or in ~/.local/bin: installing one into $venv with $python -m pip"
scratch=$(mktemp -d "$venv.partial.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT

if ! "$python" -m venv "$scratch" >/dev/null 2>&1; then
  echo "make: '$python -m venv' failed; install the venv module (Debian: apt-get install python3-venv) or make PYTHON=/path/to/python3.12 demo" >&2
  exit 1
fi
# Bounded: pip's own default would wait minutes per attempt when the index is unreachable.
if ! "$scratch/bin/python" -m pip install --quiet --disable-pip-version-check --timeout 60 --retries 2 uv \
  >/dev/null 2>"$scratch/pip.err"; then
  echo "make: no network to the package index? pip could not install uv into $venv ($(grep -v '^\s*$' "$scratch/pip.err" | tail -n 1)); check the connection or proxy, or put uv on PATH" >&2
  exit 1
fi
if ! "$scratch/bin/uv" --version >/dev/null 2>&1; then
  echo "make: pip reported success but uv does not run from the virtualenv pip ran in (a pip setting such as target, prefix or user in effect?)" >&2
  exit 1
fi
rm -f "$scratch/pip.err"
"$venv/bin/uv" --version >/dev/null 2>&1 && exit 0 # another make finished first: keep its uv
rm -rf "$venv"
mv -T "$scratch" "$venv"
