"""The deployment configuration: a YAML file validated with pydantic; secrets from the environment."""

from __future__ import annotations

__all__ = ["BatonConfig", "load_config"]


def __getattr__(name: str):
    # Imported on first use, so that settings.locate can be used without importing pydantic.
    if name == "BatonConfig":
        from baton_itsm.core.settings.models import BatonConfig

        return BatonConfig
    if name == "load_config":
        from baton_itsm.core.settings.loader import load_config

        return load_config
    raise AttributeError(name)
