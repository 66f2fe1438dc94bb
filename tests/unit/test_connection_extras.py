"""One list of connection extras (core/connection_extras.py) is what the validation knows, what the connection
form shows on every Airflow version, and what the table in docs/connection.md lists, name by name and with
the same defaults."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_datameer import get_provider_info
from airflow_provider_datameer.core.connection import KNOWN_EXTRAS, config_from_connection
from airflow_provider_datameer.core.connection_extras import (
    DEFAULT_MAX_RESPONSE_BYTES,
    EXTRAS,
    MAX_RESPONSE_BYTES,
    MIN_RESPONSE_BYTES,
    NAMES,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "connection.md"
HEADER = ["Extra", "Default", "Meaning"]
_NAME = re.compile(r"`([^`]+)`")
_DEFAULT = re.compile(r"`([^`]*)`")  # a default is one code span, maybe followed by a note


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))]


def docs_table() -> list[tuple[str, str | None]]:
    """(name, default as shown, None for "—") of each row of the extras table in docs/connection.md, in order."""
    text = DOCS.read_text(encoding="utf-8")
    assert "\n## Extras\n" in text, f"{DOCS} has no '## Extras' section"
    section = text.split("\n## Extras\n", 1)[1].split("\n## ", 1)[0]
    tables: list[list[str]] = []
    previous = ""
    for line in section.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    extras_tables = [table for table in tables if _cells(table[0]) == HEADER]
    assert len(extras_tables) == 1, f"{DOCS}: expected one table headed {HEADER} under '## Extras'"
    rows = []
    for line in extras_tables[0][2:]:
        name_cell, default_cell, _meaning = _cells(line)
        name = _NAME.fullmatch(name_cell)
        assert name, f"{DOCS}: row {line!r} does not start with an extra name in backticks"
        if default_cell == "—":
            rows.append((name.group(1), None))
            continue
        default = _DEFAULT.match(default_cell)
        assert default, f"{DOCS}: the default of {name.group(1)!r} is neither '—' nor a code span: {default_cell!r}"
        rows.append((name.group(1), default.group(1)))
    return rows


def cfg(extra: dict[str, Any] | None = None) -> Any:
    return config_from_connection("datameer_default", host="datameer.example.com", login="analyst", extra=extra)


# ------------------------------------------------------------------------------------------------ the docs table


def test_the_docs_table_lists_exactly_the_extras():
    documented = [name for name, _ in docs_table()]
    assert sorted(set(NAMES) - set(documented)) == [], f"extras missing from the table in {DOCS.name}"
    assert sorted(set(documented) - set(NAMES)) == [], f"rows in {DOCS.name} that are not extras"
    assert documented == list(NAMES), "the table lists the extras in another order (or one twice)"


def test_the_docs_table_shows_each_extras_default():
    assert dict(docs_table()) == {extra.name: extra.default for extra in EXTRAS}


@pytest.mark.parametrize("extra", EXTRAS, ids=NAMES)
def test_the_default_shown_is_the_default_applied(extra):
    """Setting an extra to its documented default (or to the form's prefilled value) changes nothing."""
    if extra.default is None:
        assert "default" not in extra.schema, "the form would prefill a value the docs call no default"
        return
    assert cfg({extra.name: extra.default}) == cfg()
    if "default" in extra.schema:  # the form may also leave a field empty, for the same default
        assert cfg({extra.name: extra.schema["default"]}) == cfg()


# ------------------------------------------------------------------------------------------------------- the form


def test_the_form_fields_are_the_extras():
    [conn_type] = get_provider_info()["connection-types"]
    fields = conn_type["conn-fields"]
    assert list(fields) == list(NAMES)
    for extra in EXTRAS:
        assert fields[extra.name] == {"label": extra.label, "schema": extra.schema, "description": extra.description}


def test_the_form_offers_the_api_version_and_the_size_cap():
    fields = get_provider_info()["connection-types"][0]["conn-fields"]
    assert fields["api_version"]["schema"] == {"type": ["integer", "null"], "default": 2, "enum": [1, 2]}
    size = fields["max_response_bytes"]["schema"]
    assert (size["type"], size["default"]) == (["integer", "null"], DEFAULT_MAX_RESPONSE_BYTES)
    assert (size["minimum"], size["maximum"]) == (MIN_RESPONSE_BYTES, MAX_RESPONSE_BYTES)
    assert DEFAULT_MAX_RESPONSE_BYTES == 8 * 1024 * 1024 == 8388608


def test_the_legacy_widgets_are_the_extras(monkeypatch):
    """Airflow < 3.2 asks the hook for wtforms widgets (FAB is not installed with Airflow 3: stand-ins record them)."""
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    class StringField:
        def __init__(self, label: str, **kwargs: Any) -> None:
            self.label, self.kwargs = label, kwargs

    wtforms = types.ModuleType("wtforms")
    wtforms.StringField = StringField  # type: ignore[attr-defined]
    fieldwidgets = types.ModuleType("flask_appbuilder.fieldwidgets")
    fieldwidgets.BS3TextFieldWidget = type("BS3TextFieldWidget", (), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wtforms", wtforms)
    monkeypatch.setitem(sys.modules, "flask_appbuilder", types.ModuleType("flask_appbuilder"))
    monkeypatch.setitem(sys.modules, "flask_appbuilder.fieldwidgets", fieldwidgets)

    widgets = DatameerHook.get_connection_form_widgets()
    assert list(widgets) == list(NAMES)
    assert {name: (w.label, w.kwargs["description"]) for name, w in widgets.items()} == {
        extra.name: (extra.label, extra.description) for extra in EXTRAS
    }


def test_provider_info_loads_the_list_but_not_the_validation():
    """DAG parsing reads provider info: it must not pull in core/connection.py (ssl, ipaddress, the endpoints)."""
    code = (
        "import sys, airflow_provider_datameer as p; p.get_provider_info(); "
        "print(sorted(m for m in sys.modules if m.startswith('airflow_provider_datameer')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == str(
        [
            "airflow_provider_datameer",
            "airflow_provider_datameer.core",
            "airflow_provider_datameer.core.connection_extras",
            "airflow_provider_datameer.hooks",
            "airflow_provider_datameer.hooks.connection_form",
        ]
    )


# ----------------------------------------------------------------------------------------- the unknown-key warning


def test_the_known_extras_are_the_list():
    assert frozenset(NAMES) == KNOWN_EXTRAS
    assert len(NAMES) == len(set(NAMES))


def test_only_keys_not_in_the_list_are_warned_about(caplog):
    every_extra = {extra.name: extra.default for extra in EXTRAS if extra.default is not None}
    every_extra.update(base_path="/dm", endpoints={})
    assert set(every_extra) == set(NAMES)
    with caplog.at_level("WARNING", logger="airflow_provider_datameer.core.connection"):
        cfg({**every_extra, "timout": "5", "colour": "blue"})
    warned = {
        match.group(1)
        for record in caplog.records
        if (match := re.search(r"extra '([^']*)' is not a setting", record.getMessage()))
    }
    assert warned == {"timout", "colour"}
    [timout] = [r.getMessage() for r in caplog.records if "'timout'" in r.getMessage()]
    assert "did you mean 'timeout'?" in timout
    [colour] = [r.getMessage() for r in caplog.records if "'colour'" in r.getMessage()]
    assert f"known extras: {', '.join(sorted(NAMES))}" in colour


def test_every_extra_of_the_list_is_quiet(caplog):
    with caplog.at_level("WARNING", logger="airflow_provider_datameer.core.connection"):
        cfg({extra.name: extra.default for extra in EXTRAS if extra.default is not None})
    assert [r.getMessage() for r in caplog.records if "is not a setting" in r.getMessage()] == []


def test_an_extra_saved_as_null_by_the_form_means_its_default():
    """Airflow's form saves a field the user emptied as JSON null; that must read as "not set", not fail."""
    from airflow_provider_datameer.core.connection import config_from_connection

    nulls = {name: None for name in NAMES}
    assert config_from_connection("c", host="h", login="u", extra=nulls) == config_from_connection(
        "c", host="h", login="u"
    )
