"""The deployment configuration: a YAML file validated with pydantic; secrets from the environment."""
from baton_itsm.core.settings.loader import load_config
from baton_itsm.core.settings.models import BatonConfig

__all__ = ["BatonConfig", "load_config"]
