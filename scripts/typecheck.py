"""Run mypy over the `baton_itsm` package as it is installed, from a checkout.

The repository keeps its architecture folders under plain names (core/, connectors/, plugins/, config/) and
setup.py maps them to `baton_itsm.core` etc.; an editable install reaches them through an import hook that mypy
cannot see. So this builds the installed layout as symlinks in build/typecheck/ (ignored by git; kept between
runs so that mypy's cache stays valid), runs mypy on it with the settings of pyproject.toml, and prints mypy's
findings with the repository's paths.

    python scripts/typecheck.py            # the package: core, connectors, plugins, config
    python scripts/typecheck.py --tests    # and tests/ (optional, not part of the gate)

Extra arguments are passed to mypy. The exit code is mypy's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "baton_itsm"
FOLDERS = ("core", "connectors", "plugins", "config")
TREE = ROOT / "build" / "typecheck"


def build_tree(into: Path) -> Path:
    """`into/baton_itsm/{core,connectors,plugins,config}` as links to the checkout's folders (made anew)."""
    package = into / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""The installed namespace of the checkout\'s folders (typecheck only)."""\n')
    for folder in FOLDERS:
        link = package / folder
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(ROOT / folder, target_is_directory=True)
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="also check tests/ (optional)")
    args, mypy_args = parser.parse_known_args(argv)
    package = build_tree(TREE)
    targets = [str(package.relative_to(ROOT))]
    if args.tests:
        targets.append("tests")
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *mypy_args, *targets]
    env = {**os.environ, "MYPYPATH": str(TREE)}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    # mypy names the linked paths; a reader wants the checkout's (core/x.py, not build/typecheck/baton_itsm/core/x.py)
    prefix = f"{package.relative_to(ROOT)}/"
    for stream, text in ((sys.stdout, result.stdout), (sys.stderr, result.stderr)):
        stream.write(text.replace(str(ROOT / prefix), "").replace(prefix, ""))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
