"""Is the virtualenv this interpreter belongs to usable for the project? Run by the Makefile as
``VENV/bin/python -I scripts/venv_ready.py [--interpreter | --quick]``.

Exits 0 when it is; otherwise prints one line saying what is wrong and exits 1. ``-I`` matters: without it the
current directory is on ``sys.path`` and the source tree would pass for an installed package.

- ``--interpreter``: only the interpreter: a virtualenv (not the system Python) of Python 3.11+.
- ``--quick``: that, and the packages are found where they belong (Airflow and aiohttp inside the virtualenv,
  the provider in this clone, as an editable install), without importing them: cheap enough for every ``make``.
- no option: that, and they import.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# module -> the directory it must be found under (None: inside the virtualenv)
MODULES: dict[str, Path | None] = {"airflow": None, "aiohttp": None, "airflow_provider_datameer": REPO}


def problem(mode: str) -> str | None:
    """What makes the virtualenv unusable, in a few words, or None."""
    venv = Path(sys.prefix).resolve()
    if sys.prefix == sys.base_prefix:
        return f"{sys.executable} is not a virtualenv's interpreter"
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under whatever interpreter an old .venv holds
        return f"its Python is {sys.version.split()[0]}, the project needs 3.11+"
    if mode == "--interpreter":
        return None
    for module, home in MODULES.items():
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            return f"{module} is not installed"
        where = Path(spec.origin).resolve()
        if not where.is_relative_to(home or venv):
            return f"{module} comes from {where.parent}, not from {home or venv}"
    if mode == "--quick":
        return None
    for module in MODULES:
        try:
            importlib.import_module(module)
        except Exception as error:  # any reason it does not import makes the venv unusable
            return f"{module} does not import ({type(error).__name__}: {error})"
    return None


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("", "--interpreter", "--quick"):
        print(f"usage: python -I {sys.argv[0]} [--interpreter | --quick]", file=sys.stderr)
        return 2
    reason = problem(mode)
    if reason:
        print(reason)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
