"""Shared pieces of the settings models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Strict(BaseModel):
    """Unknown keys are errors (typos are caught), and settings cannot change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
