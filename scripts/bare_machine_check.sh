#!/usr/bin/env bash
# usage: scripts/bare_machine_check.sh [REV [TARGET...]] — does `make demo` (or `make TARGET...`, one after the
# other) work on a newcomer's machine, and leave the system Python alone? (issue #11; .ci/run's leg
# `bare-machine` runs it with no arguments: HEAD, demo)
#
# Clones REV (default: HEAD; committed work only) into a temp dir and runs `make demo` there with a fresh HOME
# (so no uv cache, no ~/.local/bin/uv, no user config: uv downloads everything, as for a newcomer) and
# PATH = a directory holding only `python3` (a script that execs the interpreter, so that it is the very same,
# virtualenv or not) + /usr/bin:/bin: no uv, no pyenv shims, nothing else of the interpreter's bin directory.
# The environment is emptied except for what says how to reach the package index (proxies, certificates,
# UV_DEFAULT_INDEX, UV_INDEX_URL, PIP_INDEX_URL). Passes when `make demo` succeeds and the interpreter's
# package list (`python3 -m pip list --format=freeze`, the user's site in the fresh HOME included) is the same
# before and after. Ends with one line `bare-machine: PASS ...` or `bare-machine: FAIL ...`; exit status 0 or 1.
#
# BARE_PYTHON names the interpreter (default: python3 on PATH, resolved through shims to its real executable).
# Removes its temp dir, and stops what `make demo` started if it is interrupted.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}") || { echo "bare-machine: FAIL: no commit ${1:-HEAD}"; exit 1; }
shift
targets=("${@:-demo}")
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/bare-machine.XXXXXX")
group=""
cleanup() {
  if [ -n "$group" ] && kill -0 -- "-$group" 2>/dev/null; then
    kill -TERM -- "-$group" 2>/dev/null
    sleep 5
    kill -KILL -- "-$group" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "bare-machine: FAIL: $* ($((SECONDS - started))s)"
  exit 1
}

python=$("${BARE_PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null) \
  || fail "no interpreter ${BARE_PYTHON:-python3} to run the check with"
mkdir -p "$work/bin" "$work/home"
printf '#!/bin/sh\nexec %q "$@"\n' "$python" > "$work/bin/python3"
chmod +x "$work/bin/python3"
bare_path="$work/bin:/usr/bin:/bin"
environment=(HOME="$work/home" PATH="$bare_path" LANG=C.UTF-8)
for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY SSL_CERT_FILE SSL_CERT_DIR \
  UV_DEFAULT_INDEX UV_INDEX_URL PIP_INDEX_URL; do
  if [ -n "${!name:-}" ]; then environment+=("$name=${!name}"); fi
done
bare() { env -i "${environment[@]}" "$@"; }

uv_on_path=$(bare bash -c 'command -v uv')
[ -z "$uv_on_path" ] || fail "uv is on the bare PATH ($uv_on_path): this machine cannot show a newcomer's"
packages() {
  bare python3 -m pip list --format=freeze --disable-pip-version-check 2>/dev/null \
    || bare python3 -c 'import importlib.metadata as m; print(*sorted({f"{d.name}=={d.version}" for d in m.distributions()}), sep="\n")'
}
packages > "$work/packages-before.txt" || fail "could not list the packages of $python"

git clone --quiet --no-checkout "$repo" "$work/clone" && git -C "$work/clone" checkout --quiet "$rev" \
  || fail "could not clone $repo at $rev"
echo "bare-machine: make ${targets[*]} in a clean clone of ${rev:0:12}, HOME=$work/home, PATH=$bare_path, python3 -> $python"
# one `make` per target, in order, as a newcomer types them; stops at the first that fails
setsid env -i "${environment[@]}" bash -c 'for target in "${@:2}"; do make -C "$1" "$target" || exit; done' \
  make-targets "$work/clone" "${targets[@]}" > "$work/make.log" 2>&1 &
group=$!
wait "$group"
rc=$?
group=""
took=$((SECONDS - started))
packages > "$work/packages-after.txt" || fail "could not list the packages of $python after make ${targets[*]}"

tail -n "$([ "$rc" -eq 0 ] && echo 6 || echo 25)" "$work/make.log" | sed 's/^/  | /' # what make said last
if ! diff -u "$work/packages-before.txt" "$work/packages-after.txt" > "$work/packages.diff"; then
  sed 's/^/  | /' "$work/packages.diff" | head -n 40
  fail "make ${targets[*]} changed the packages of $python (diff above)$([ "$rc" -eq 0 ] || echo "; it failed too (exit $rc)")"
fi
[ "$rc" -eq 0 ] || fail "make ${targets[*]} exited $rc on a bare machine (its last lines above)"
echo "bare-machine: PASS: make ${targets[*]} on a clean clone with a fresh HOME and no uv on PATH in ${took}s;" \
  "$python unchanged ($(wc -l < "$work/packages-before.txt") packages)"
