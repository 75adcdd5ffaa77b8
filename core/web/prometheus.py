"""Prometheus text exposition (format 0.0.4): metric families, escaped label values.

A counter only goes up and its name ends in `_total`; a current depth (rows pending, timers waiting) is a gauge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Sample = tuple[dict[str, object], float]
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _escaped(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def family(lines: list[str], name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
    """Appends one metric family: its HELP and TYPE lines and its samples."""
    if not NAME.match(name) or (kind == "counter") != name.endswith("_total"):
        raise ValueError(f"{name}: a counter, and only a counter, is named *_total")
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        rendered = ",".join(f'{k}="{_escaped(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")
