"""Where the deployment file is. Standard library only, so a command can look before paying for pydantic."""

from __future__ import annotations

import os
from pathlib import Path

from baton_itsm.core.errors import ConfigError

CONFIG_ENV = "BATON_CONFIG"
DEFAULT_CONFIG_NAME = "baton.yaml"


def find_config(option: str | None = None) -> Path | None:
    """--config, then $BATON_CONFIG, then ./baton.yaml; None means the embedded defaults."""
    chosen = option or os.environ.get(CONFIG_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError([f"{path}: no such config file (from {'--config' if option else CONFIG_ENV})"])
        return path
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None
