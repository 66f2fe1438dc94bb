"""The layer rule of the package, checked by `make lint`: `core/` is pure Datameer logic.

A module under airflow_provider_datameer/core/ may import the standard library and other core modules only:
nothing from Airflow, requests, aiohttp (or the libraries under them) and nothing from the rest of the package.
Every import counts, at module level, inside functions and under TYPE_CHECKING alike; `core/__init__.py` stays
empty, so that importing one core module (a DAG file's identifiers or statuses) loads nothing else.

Usage: python scripts/check_layers.py [PACKAGE_DIR]   (default: airflow_provider_datameer next to this script)
Exit status 1 with one line per offending import, 0 when the rule holds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "airflow_provider_datameer"
CORE = f"{PACKAGE}.core"
#: Third-party packages a core module may never import (the transports' and Airflow's worlds).
FORBIDDEN = ("airflow", "requests", "aiohttp", "urllib3", "yarl", "multidict", "flask_appbuilder", "wtforms")


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Every module an AST imports, with its line; relative imports resolved against ``module``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            # `from package import name` may import a submodule: judge the names as modules of the package too
            found += [(node.lineno, f"{base}.{alias.name}" if base == PACKAGE else base) for alias in node.names]
    return found


def problems(package_dir: Path) -> list[str]:
    core_dir = package_dir / "core"
    out: list[str] = []
    init = core_dir / "__init__.py"
    if init.exists() and init.read_text().strip():
        out.append(f"{init}: must stay empty (importing one core module must load nothing else)")
    for path in sorted(core_dir.rglob("*.py")):
        module = ".".join((PACKAGE, *path.relative_to(package_dir).with_suffix("").parts))
        for line, name in imported_modules(ast.parse(path.read_text(), str(path)), module):
            top = name.split(".")[0]
            if top in FORBIDDEN:
                out.append(f"{path}:{line}: imports {name}: core/ must not depend on {top}")
            elif top == PACKAGE and name != CORE and not name.startswith(CORE + "."):
                out.append(f"{path}:{line}: imports {name}: core/ may import only core modules")
    return out


def main(argv: list[str]) -> int:
    package_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / PACKAGE
    found = problems(package_dir)
    for line in found:
        print(line)
    if found:
        print(f"check_layers: {len(found)} import(s) break the core rule (see scripts/check_layers.py)")
        return 1
    print(f"check_layers: {PACKAGE}/core imports nothing outside core and the standard library")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
