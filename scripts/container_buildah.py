"""The image under buildah for scripts/container_smoke.py: its run-time config, a `buildah run` command, and the
`baton run` process such a command starts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def image_config(image: str) -> dict:
    """The image's run-time config (Cmd, Env, Healthcheck), from buildah's docker-format view of it."""
    info = json.loads(
        subprocess.run(
            ["buildah", "inspect", "--type", "image", image], check=True, capture_output=True, text=True
        ).stdout
    )
    return info["Docker"]["config"]


def buildah_run(container: str, mounts: dict[str, str], env: dict[str, str], command: list[str]) -> list[str]:
    args = ["buildah", "run", "--isolation", "chroot"]
    for host, inside in mounts.items():
        args += ["-v", f"{host}:{inside}"]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    return [*args, container, "--", *command]


def main_process(buildah_pid: int) -> int:
    """The pid of `baton run` under a `buildah run` process (its descendant whose command line says so)."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = status.read_text().split(" (", 1)
            children.setdefault(int(rest.rsplit(") ", 1)[1].split()[1]), []).append(int(pid))
        except (OSError, ValueError, IndexError):
            continue
    todo = list(children.get(buildah_pid, []))
    while todo:
        pid = todo.pop(0)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"/baton") or part == b"baton" for part in command) and b"run" in command:
            return pid
        todo += children.get(pid, [])
    raise SystemExit(f"FAIL: no `baton run` process under buildah run ({buildah_pid})")
