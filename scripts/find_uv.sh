#!/usr/bin/env bash
# usage: find_uv.sh FALLBACK — print the path of the uv that make should use: the one on PATH, else
# ~/.local/bin/uv (where uv's own installer puts it), provided it knows every option the Makefile passes;
# else FALLBACK (the project's .venv-uv/bin/uv, which `make` installs on demand). An older uv is passed over
# with a one-line note rather than failing later with an "unexpected argument" error.
fallback=${1:?usage: find_uv.sh FALLBACK}
for candidate in "$(command -v uv 2>/dev/null)" "$HOME/.local/bin/uv"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  options=$("$candidate" pip install --help 2>/dev/null)
  if grep -q -- --exclude-newer-package <<<"$options" && grep -q -- --no-config <<<"$options"; then
    echo "$candidate"
    exit 0
  fi
  [ -x "$fallback" ] || echo "make: passing over $candidate ($("$candidate" --version 2>/dev/null || echo 'does not run'): too old for this Makefile); using $fallback" >&2
done
echo "$fallback"
