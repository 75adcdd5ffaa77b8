"""Read a deployment file and report every problem in it at once, each with file, line and key."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.settings.models import BatonConfig

CONFIG_ENV = "BATON_CONFIG"
DEFAULT_CONFIG_NAME = "baton.yaml"
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_key|apikey|private_key)$", re.IGNORECASE)


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


def load_config(path: Path | None) -> BatonConfig:
    if path is None:
        return BatonConfig()
    text = path.read_text(encoding="utf-8")
    return parse_config(text, str(path))


def parse_config(text: str, source: str) -> BatonConfig:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError([f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}"]) from None
    if data is None:
        data = {}
    lines = _line_index(node) if node is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1: expected a mapping of settings at the top level, got {type(data).__name__}"])

    problems = list(_literal_secrets(data))
    flagged = {path for path, _ in problems}
    config = None
    try:
        config = BatonConfig.model_validate(data)
    except ValidationError as error:
        problems += [(tuple(e["loc"]), _explain(e)) for e in error.errors() if tuple(e["loc"]) not in flagged]
    # Checked on the raw data, so a broken reference is reported beside structural mistakes.
    problems += list(_cross_references(data))
    if problems:
        raise ConfigError([_format(source, lines, path, message) for path, message in problems])
    return config


def missing_environment(config: BatonConfig) -> list[str]:
    """Environment variables the config names that are not set (what `baton check` reports)."""
    missing = []
    for name, connector in config.connectors.items():
        pairs = connector.auth.env_vars()
        if connector.webhook_secret_env:
            pairs.append(("webhook_secret_env", connector.webhook_secret_env))
        for key, var in pairs:
            if not os.environ.get(var):
                where = f"connectors.{name}.auth.{key}" if key != "webhook_secret_env" else f"connectors.{name}.{key}"
                missing.append(f"{where}: environment variable {var} is not set")
    return missing


def _literal_secrets(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _SECRET_KEY.search(key) and isinstance(value, (str, int)):
                yield path + (key,), (f"secrets are read from the environment, never from the file: "
                                      f"use `{key}_env: SOME_VARIABLE` and set that variable")
            else:
                yield from _literal_secrets(value, path + (key,))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _literal_secrets(item, path + (i,))


def _cross_references(data: dict) -> Iterator[tuple[tuple, str]]:
    raw_groups = data.get("groups")
    groups = set(raw_groups) if isinstance(raw_groups, dict) else set()
    known = ", ".join(sorted(map(str, groups))) or "none are defined under `groups`"

    def names_at(*path: str) -> Iterator[tuple[tuple, Any]]:
        node: Any = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            yield from ((path + (i,), name) for i, name in enumerate(node))
        elif isinstance(node, dict):
            yield from ((path + (name,), name) for name in node)

    references = [
        *names_at("ownership", "desk_groups"),
        *names_at("rules", "accept_before_reassign", "exempt_groups"),
        *names_at("rules", "accept_before_reassign", "triage_groups"),
        *names_at("rules", "accept_before_reassign", "per_group"),
    ]
    for path, name in references:
        if isinstance(name, str) and name not in groups:
            yield path, f"unknown group {name!r} (known groups: {known})"
    for name, group in (raw_groups or {}).items() if isinstance(raw_groups, dict) else ():
        if not isinstance(group, dict) or not group.get("lead"):
            continue
        people = [*_as_list(group.get("managers")), *_as_list(group.get("members"))]
        if group["lead"] not in people:
            yield ("groups", name, "lead"), f"{group['lead']!r} is neither a manager nor a member of {name}"


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _explain(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key (check its spelling against config/baton.example.yaml)"
    if kind == "missing":
        return "required key is missing"
    if kind == "enum":
        return f"expected one of {ctx.get('expected', '')}, got {error['input']!r}"
    if kind in ("list_type", "dict_type", "model_type"):
        expected = {"list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}[kind]
        return f"expected {expected}, got {error['input']!r}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{message[0].lower()}{message[1:]}, got {error['input']!r}" if "input" in error else message


def _format(source: str, lines: dict[tuple, int], path: tuple, message: str) -> str:
    line = None
    probe = path
    while probe and line is None:
        line = lines.get(probe)
        probe = probe[:-1]
    where = f"{source}:{line}" if line else source
    dotted = ".".join(str(p) for p in path) or "(top level)"
    return f"{where}: {dotted}: {message}"


def _line_index(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            index.update(_line_index(value_node, child))
            index[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index.update(_line_index(item, path + (i,)))
    return index
