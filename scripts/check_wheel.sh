#!/usr/bin/env bash
# Check what `python -m build` made, as a user would meet it: usage: scripts/check_wheel.sh DIST_DIR AIRFLOW_VERSION
#  1. one wheel and one sdist, named for __version__; the wheel holds the package (py.typed, the emulator and its
#     default_jobs.json) and no tests or example DAGs; the sdist holds those too;
#  2. the wheel installs into a fresh virtualenv with Airflow, away from this source tree;
#  3. `airflow providers list` shows the provider and `airflow providers hooks` its connection type `datameer`;
#  4. the installed emulator serves its default jobs and the installed hook reads one (no source tree involved).
set -euo pipefail
dist=$(cd "${1:?usage: check_wheel.sh DIST_DIR AIRFLOW_VERSION}" && pwd)
airflow_version=${2:?usage: check_wheel.sh DIST_DIR AIRFLOW_VERSION}
repo=$(cd "$(dirname "$0")/.." && pwd)
uv=${UV:-$(command -v uv)}
[ -n "$uv" ] || { echo "check_wheel: no uv; run it through make dist (which provides one)" >&2; exit 1; }
python=${PYTHON:-python3} # a 3.11+ interpreter: make dist passes the project's own
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "check_wheel: FAIL: $*" >&2; exit 1; }

version=$("$python" -c "import ast,sys; t=ast.parse(open(sys.argv[1]).read()); print(next(n.value.value for n in t.body \
  if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == '__version__'))" \
  "$repo/airflow_provider_datameer/__init__.py")
wheel="$dist/airflow_provider_datameer-$version-py3-none-any.whl"
sdist="$dist/airflow_provider_datameer-$version.tar.gz"
[ -f "$wheel" ] || fail "no wheel $wheel (version $version) in $dist: $(ls "$dist")"
[ -f "$sdist" ] || fail "no sdist $sdist in $dist"
[ "$(ls "$dist" | wc -l)" -eq 2 ] || fail "expected exactly one wheel and one sdist in $dist: $(ls "$dist")"

# 1. contents
"$python" - "$wheel" "$sdist" "$version" <<'EOF'
import sys, tarfile, zipfile

wheel, sdist, version = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
need = [
    "airflow_provider_datameer/__init__.py",
    "airflow_provider_datameer/py.typed",
    "airflow_provider_datameer/hooks/datameer.py",
    "airflow_provider_datameer/triggers/datameer.py",
    "airflow_provider_datameer/emulator/__main__.py",
    "airflow_provider_datameer/emulator/default_jobs.json",
    f"airflow_provider_datameer-{version}.dist-info/entry_points.txt",
]
missing = [n for n in need if n not in names]
stray = [n for n in names if n.split("/")[0] in ("tests", "example_dags", "benchmarks", "scripts") or "__pycache__" in n]
assert not missing, f"wheel lacks {missing}"
assert not stray, f"wheel must not ship {stray[:5]}"
entry_points = zipfile.ZipFile(wheel).read(f"airflow_provider_datameer-{version}.dist-info/entry_points.txt").decode()
assert "[apache_airflow_provider]" in entry_points, entry_points
prefix = f"airflow_provider_datameer-{version}/"
in_sdist = {n.removeprefix(prefix) for n in tarfile.open(sdist).getnames()}
need_sdist = ["tests/conftest.py", "example_dags/example_datameer_trigger_and_wait.py", "CHANGELOG.md", "README.md",
              "pyproject.toml", "airflow_provider_datameer/emulator/default_jobs.json", "Makefile"]
missing = [n for n in need_sdist if n not in in_sdist]
assert not missing, f"sdist lacks {missing}"
print(f"check_wheel: contents ok: wheel {len(names)} files, sdist {len(in_sdist)} entries, version {version}")
EOF

# 2. a fresh virtualenv, outside the source tree, with the wheel and Airflow
cd "$work"
$uv venv --no-config --quiet --python "$python" "$work/venv"
$uv pip install --no-config --quiet --python "$work/venv/bin/python" "$wheel" "apache-airflow==$airflow_version"
export AIRFLOW_HOME="$work/airflow-home" AIRFLOW__CORE__LOAD_EXAMPLES=False
unset PYTHONPATH

# 3. Airflow sees the provider and its connection type
"$work/venv/bin/airflow" providers list --output plain > providers.txt 2>providers.err \
  || { cat providers.err >&2; fail "airflow providers list failed"; }
grep -E "^airflow-provider-datameer[[:space:]].*[[:space:]]$version\$" providers.txt \
  || { cat providers.txt >&2; fail "airflow providers list does not show airflow-provider-datameer $version"; }
"$work/venv/bin/airflow" providers hooks --output plain > hooks.txt 2>hooks.err \
  || { cat hooks.err >&2; fail "airflow providers hooks failed"; }
grep -E "^datameer[[:space:]]+airflow_provider_datameer\.hooks\.datameer\.DatameerHook[[:space:]].*airflow-provider-datameer" hooks.txt \
  || { grep -i datameer hooks.txt >&2; fail "airflow providers hooks does not list connection type datameer"; }

# 4. the installed emulator and hook work together
"$work/venv/bin/python" - <<'EOF'
import json, os
from urllib.parse import urlsplit

import airflow_provider_datameer
from airflow_provider_datameer.emulator import EmulatorServer

site = os.path.dirname(airflow_provider_datameer.__file__)
assert "site-packages" in site, f"imported from {site}, not from the installed wheel"
with EmulatorServer(port=0) as server:
    url = urlsplit(server.url)
    os.environ["AIRFLOW_CONN_DATAMEER_DEFAULT"] = json.dumps(
        {"conn_type": "datameer", "host": url.hostname, "port": url.port, "login": "admin", "password": "admin"}
    )
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    status = DatameerHook().get_job_status(48)
print(f"check_wheel: installed hook read job 48 from the installed emulator: {status.status.value}")
EOF
echo "check_wheel: ok: airflow-provider-datameer $version installs with Airflow $airflow_version and is listed"
