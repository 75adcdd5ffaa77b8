"""Read a deployment file and report every problem in it at once, each with file, line and key."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.settings.locate import CONFIG_ENV, DEFAULT_CONFIG_NAME, find_config  # noqa: F401 (re-exported)
from baton_itsm.core.settings.models import BatonConfig

_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_key|apikey|private_key)$", re.IGNORECASE)


def load_config(path: Path | None) -> BatonConfig:
    if path is None:
        return BatonConfig()
    return parse_config(path.read_text(encoding="utf-8"), str(path), base_dir=path.parent)


def parse_config(text: str, source: str, base_dir: Path | None = None) -> BatonConfig:
    data, lines = _read_yaml(text, source)
    sources: list[tuple[tuple, str, dict[tuple, int]]] = [((), source, lines)]
    if isinstance(data.get("rules"), str):  # `rules: rules.yaml` keeps the policy in a file of its own
        rules_path = (base_dir or Path.cwd()) / data["rules"]
        if not rules_path.is_file():
            raise ConfigError([f"{_where(source, lines, ('rules',))}: rules: no such rules file {str(rules_path)!r}"])
        data["rules"], rules_lines = _read_yaml(rules_path.read_text(encoding="utf-8"), str(rules_path))
        sources.append((("rules",), str(rules_path), {("rules", *k): v for k, v in rules_lines.items()}))

    problems = list(_literal_secrets(data))
    flagged = {path for path, _ in problems}
    config = None
    try:
        config = BatonConfig.model_validate(data)
    except ValidationError as error:
        problems += [(tuple(e["loc"]), _explain(e)) for e in error.errors() if tuple(e["loc"]) not in flagged]
    # Checked on the raw data, so a broken reference is reported beside structural mistakes.
    problems += list(_cross_references(data))
    if problems or config is None:  # no config without a problem: the validation error is among them
        raise ConfigError([_format(sources, path, message) for path, message in problems])
    return config


def load_rules_file(path: Path, deployment: BatonConfig) -> BatonConfig:
    """The deployment with its rules replaced by those of `path` (for back-tests of another rule set)."""
    data = deployment.model_dump(mode="json", exclude_none=True)
    data["rules"] = str(path.resolve())
    return parse_config(yaml.safe_dump(data), "(deployment)", base_dir=path.parent)


def _read_yaml(text: str, source: str) -> tuple[dict, dict[tuple, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError([f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}"]) from None
    if data is None or node is None:  # an empty file (or only comments)
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1: expected a mapping of settings at the top level, got {type(data).__name__}"])
    return data, _line_index(node)


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
    notifications = config.notifications
    pairs = [(f"smtp.{key}", var) for key, var in notifications.smtp.env_vars()]
    if notifications.base_url:  # links are signed only when there is a web app to follow them to
        pairs.append(("link_secret_env", notifications.link_secret_env))
    missing += [
        f"notifications.{key}: environment variable {var} is not set" for key, var in pairs if not os.environ.get(var)
    ]
    return missing


def secret_variables(config: BatonConfig) -> set[str]:
    """The environment variables the config names that hold secrets (never shown in a message or a log)."""
    names = {var for c in config.connectors.values() for key, var in c.auth.env_vars() if key != "username_env"}
    names |= {c.webhook_secret_env for c in config.connectors.values() if c.webhook_secret_env}
    smtp = config.notifications.smtp
    names |= {var for key, var in smtp.env_vars() if key != "username_env"}
    return names | {config.notifications.link_secret_env}


def _literal_secrets(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _SECRET_KEY.search(key) and isinstance(value, (str, int)):
                yield (
                    (*path, key),
                    (
                        f"secrets are read from the environment, never from the file: "
                        f"use `{key}_env: SOME_VARIABLE` and set that variable"
                    ),
                )
            else:
                yield from _literal_secrets(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _literal_secrets(item, (*path, i))


# Where the config names a group (or a calendar): (path pattern, what it names). `*` is any list index or
# mapping key; a pattern ending in `{}` means the mapping's keys are the names.
_GROUP_REFERENCES = [
    ("ownership", "desk_groups", "*"),
    ("rules", "accept_before_reassign", "exempt_groups", "*"),
    ("rules", "accept_before_reassign", "triage_groups", "*"),
    ("rules", "accept_before_reassign", "per_group", "{}"),
    ("rules", "queue_first", "allow_direct", "*", "from"),
    ("rules", "queue_first", "allow_direct", "*", "to"),
    ("rules", "acceptance_timeout", "per_group", "{}"),
    ("rules", "stale", "overrides", "*", "group", "*"),
    ("rules", "category_routing", "*", "group"),
    ("rules", "decline_reasons", "*", "suggested_group"),
    ("rules", "bounce_limits", "overrides", "*", "group", "*"),
    ("groups", "*", "escalates_to"),
]
_CALENDAR_REFERENCES = [("groups", "*", "calendar"), ("default_calendar",)]


def _names_at(node: Any, pattern: tuple, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if not pattern:
        yield path, node
        return
    step, rest = pattern[0], pattern[1:]
    if step == "{}":
        if isinstance(node, dict):
            yield from (((*path, key), key) for key in node)
    elif step == "*":
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            yield from _names_at(child, rest, (*path, key))
    elif isinstance(node, dict) and step in node:
        yield from _names_at(node[step], rest, (*path, step))


def _cross_references(data: dict) -> Iterator[tuple[tuple, str]]:
    for kind, references in (("group", _GROUP_REFERENCES), ("calendar", _CALENDAR_REFERENCES)):
        defined = data.get(kind + "s")
        names = set(defined) if isinstance(defined, dict) else set()
        known = ", ".join(sorted(map(str, names))) or f"none are defined under `{kind}s`"
        for pattern in references:
            for path, name in _names_at(data, pattern):
                if isinstance(name, str) and name not in names:
                    yield path, f"unknown {kind} {name!r} (known {kind}s: {known})"
    groups = data["groups"] if isinstance(data.get("groups"), dict) else {}
    yield from _unknown_deputies(data, groups)
    for name, group in groups.items():
        if not isinstance(group, dict):
            continue
        if group.get("lead"):
            people = [*_as_list(group.get("managers")), *_as_list(group.get("members"))]
            if group["lead"] not in people:
                yield ("groups", name, "lead"), f"{group['lead']!r} is neither a manager nor a member of {name}"
        if (loop := _escalation_loop(groups, name)) is not None:
            yield ("groups", name, "escalates_to"), f"the escalation path loops: {' -> '.join(loop)}"


def _unknown_deputies(data: dict, groups: dict) -> Iterator[tuple[tuple, str]]:
    """A deputy must be someone of the deployment: a misspelt one would send requests to nobody."""
    people = data["people"] if isinstance(data.get("people"), dict) else {}
    known = set(people)
    for group in groups.values():
        if isinstance(group, dict):
            known |= {*_as_list(group.get("members")), *_as_list(group.get("managers"))}
    for pattern in (("people", "*", "deputy"), ("people", "*", "away", "*", "deputy")):
        for path, name in _names_at(data, pattern):
            if isinstance(name, str) and name not in known:
                yield path, f"unknown deputy {name!r}: not a person, member or manager of this deployment"


def _escalation_loop(groups: dict, start: str) -> list[str] | None:
    """The looping path from `start`, if following escalates_to comes back to `start`."""
    path, current = [start], start
    while isinstance(groups.get(current), dict) and (following := groups[current].get("escalates_to")):
        if following == start:
            return [*path, following] if start == min(path) else None  # report each loop once
        if following in path:
            return None  # a loop further on; reported from a group on it
        path.append(following)
        current = following
    return None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _explain(error: ErrorDetails) -> str:
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
    message = message[0].lower() + message[1:]
    if "input" not in error or repr(error["input"]) in message:
        return message
    return f"{message}, got {error['input']!r}"


def _format(sources: list[tuple[tuple, str, dict]], path: tuple, message: str) -> str:
    prefix, source, lines = max((s for s in sources if path[: len(s[0])] == s[0]), key=lambda s: len(s[0]))
    shown = path[len(prefix) :] if prefix else path  # inside a rules file, keys are the file's own
    dotted = ".".join(str(p) for p in shown) or "(top level)"
    return f"{_where(source, lines, path)}: {dotted}: {message}"


def _where(source: str, lines: dict[tuple, int], path: tuple) -> str:
    line, probe = None, path
    while probe and line is None:
        line = lines.get(probe)
        probe = probe[:-1]
    return f"{source}:{line}" if line else source


def _line_index(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, key_node.value)
            index.update(_line_index(value_node, child))
            index[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index.update(_line_index(item, (*path, i)))
    return index
