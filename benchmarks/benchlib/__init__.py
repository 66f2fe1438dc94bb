"""Shared pieces of the benchmark scripts: isolation, measurement, emulators, a triggerer-like runner, output.

Each script in ``benchmarks/`` is run as ``python benchmarks/<script>.py`` (``sys.path[0]`` is then
``benchmarks/``, which is how ``benchlib`` is found).
"""
