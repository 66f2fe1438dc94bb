#!/usr/bin/env bash
# usage: UV=/path/to/uv make_venv.sh PYTHON VENV PACKAGE_ARGS... — make VENV usable: (re)create it from PYTHON
# unless it already has a working 3.11+ interpreter, install PACKAGE_ARGS into it (uv is told the target
# interpreter and reads no uv.toml, so nothing lands elsewhere), then prove it with scripts/venv_ready.py.
# Every failure ends with one line saying which step failed and what to do; uv's own output is in VENV/install.log.
set -u
python=${1:?usage: make_venv.sh PYTHON VENV PACKAGE_ARGS...} venv=${2:?usage: make_venv.sh PYTHON VENV PACKAGE_ARGS...}
shift 2
uv=${UV:?make_venv.sh: UV must name the uv binary}
here=$(dirname "$0")

python=$(bash "$here/check_python.sh" "$python") || exit 1
log=$venv/install.log
packages=("$@")

# create: (re)create the virtualenv from PYTHON, or stop with one line.
create() {
  if ! "$uv" venv --no-config --quiet --clear --python "$python" "$venv" >"$venv.err" 2>&1; then
    echo "make: '$uv venv' could not create $venv with $python ($(tail -n 1 "$venv.err")); try make PYTHON=/path/to/python3.12 demo" >&2
    rm -f "$venv.err"
    exit 1
  fi
  rm -f "$venv.err"
}

# install [UV_FLAGS...]: install the packages; on failure set `failure` to one line saying why and return 1.
install() {
  "$uv" pip install --no-config --quiet --python "$venv/bin/python" "$@" "${packages[@]}" >"$log" 2>&1 && return
  local first_error detail
  first_error=$(grep -m 1 -E '^error' "$log" || tail -n 1 "$log")
  if grep -q -i -E 'failed to fetch|error sending request|dns error|tcp connect|connection refused|timed out|network (was disabled|is unreachable)' "$log"; then
    detail="$(grep -m 1 -o -E 'Failed to fetch: [^ ]+' "$log"): $(grep -E '^ +(cause|Caused by):' "$log" | tail -n 1 | sed -E 's/^ +(cause|Caused by): //')"
    grep -q 'Failed to fetch' "$log" || detail=$(grep -m 1 -E '^hint:' "$log" || echo "$first_error")
    failure="no network to the package index: uv could not download into $venv ($detail; all of it in $log); check the connection or proxy, or name a mirror with UV_DEFAULT_INDEX=URL"
    unreachable=1
  else
    failure="installing into $venv failed: $first_error (all of it in $log)"
  fi
  return 1
}

fresh=0 unreachable=0 failure=""
echo "make: installing into $venv with $uv: ${packages[*]}"
if ! "$venv/bin/python" -I "$here/venv_ready.py" --interpreter >/dev/null 2>&1; then
  create
  fresh=1
fi
if ! install; then
  # An install killed midway can leave a package uv cannot read (e.g. a dist-info without METADATA): start over.
  [ "$fresh" -eq 0 ] && [ "$unreachable" -eq 0 ] || { echo "make: $failure" >&2; exit 1; }
  echo "make: $failure; recreating $venv" >&2
  create
  install || { echo "make: $failure" >&2; exit 1; }
fi
if ! "$venv/bin/python" -I "$here/venv_ready.py" >/dev/null 2>&1; then
  # uv trusts what a package's metadata says is installed; files deleted or half-replaced since need --reinstall.
  install --reinstall || { echo "make: $failure" >&2; exit 1; }
fi
if ! reason=$("$venv/bin/python" -I "$here/venv_ready.py"); then
  echo "make: $venv is not usable after installing ($reason); the install output is in $log" >&2
  exit 1
fi
