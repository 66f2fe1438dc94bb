"""Developer scripts: ``make demo`` (demo.py), ``make ui`` (ui.py) and what they share with tests/e2e."""
