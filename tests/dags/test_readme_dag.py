"""The README's complete DAG is example_dags/example_datameer_quickstart.py, word for word, so the example tier's
`airflow dags test` run proves what a newcomer copies."""

from __future__ import annotations

import re

from tests.support import REPO


def test_the_readme_dag_is_the_quickstart_example():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## A complete DAG", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None, "the README's 'A complete DAG' section has no python block"
    example = (REPO / "example_dags" / "example_datameer_quickstart.py").read_text()
    assert block.group(1) in example
    assert readme.index("## A complete DAG") < len("\n".join(readme.splitlines()[:100]))
