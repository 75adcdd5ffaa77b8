"""Maps the architecture folders into the `baton_itsm` namespace.

The folders keep their plain names in the repository (core/, connectors/, plugins/) while the
installed import names are `baton_itsm.core` etc., so nothing generic lands in site-packages.
"""

from pathlib import Path

from setuptools import setup

FOLDERS = {"core": "baton_itsm.core", "connectors": "baton_itsm.connectors", "plugins": "baton_itsm.plugins"}
DATA_FOLDERS = {"config": "baton_itsm.config"}  # example configs and connector profiles, read at run time
HERE = Path(__file__).parent


def packages() -> list[str]:
    found = []
    for folder, name in FOLDERS.items():
        for init in sorted((HERE / folder).rglob("__init__.py")):
            relative = init.parent.relative_to(HERE / folder).parts
            found.append(".".join((name, *relative)))
    for folder, name in DATA_FOLDERS.items():
        for directory in sorted(p for p in [HERE / folder, *(HERE / folder).rglob("*")] if p.is_dir()):
            if "__pycache__" not in directory.parts:
                found.append(".".join((name, *directory.relative_to(HERE / folder).parts)))
    return found


ALL_FOLDERS = {**FOLDERS, **DATA_FOLDERS}
setup(packages=packages(), package_dir={name: folder for folder, name in ALL_FOLDERS.items()})
