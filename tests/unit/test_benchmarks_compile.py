"""The benchmarks run on demand, never in the suite: a broken one would go unnoticed until someone needs its
figures. Each script must at least compile, and answer `--help` without running anything."""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_benchmark_compiles(script: Path, tmp_path):
    py_compile.compile(str(script), cfile=str(tmp_path / "compiled.pyc"), doraise=True)


@pytest.mark.parametrize("script", [p for p in SCRIPTS if "argparse" in p.read_text()], ids=lambda p: p.name)
def test_each_benchmark_with_options_answers_help(script: Path):
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60, cwd=BENCHMARKS
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
