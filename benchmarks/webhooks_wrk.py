"""wrk for benchmarks/webhooks.py: send the burst of signed deliveries and read what wrk reports."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "webhooks"


@dataclass
class WrkResult:
    requests: int
    rate: float  # requests/s
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    answered: int  # deliveries of the burst answered (the script stops each thread at its last one)
    output: str
    started: float = 0.0  # wall-clock time wrk was started (time.time())

    @property
    def seconds(self) -> float:
        """The burst's duration as wrk measured it."""
        return self.requests / self.rate


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> WrkResult:
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            if default is None:
                sys.exit(f"could not read {pattern!r} from wrk's output:\n{output}")
            return default
        return match.group(1)

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests=int(find(r"^\s*(\d+) requests in")),
        rate=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)")),
        non_2xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        answered=int(find(r"^deliveries answered: (\d+)", "0")),
        output=output,
    )


def run_wrk(wrk: str, url: str, bodies: Path, *, threads: int, connections: int, max_seconds: int) -> WrkResult:
    """Send the burst; wrk is interrupted (SIGINT: it stops and reports) once each thread has sent its share."""
    started = time.time()
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max_seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(HERE / "deliveries.lua"),
        url,
        "--",
        str(bodies),
        str(threads),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, finished = [], 0
    for line in process.stdout:
        lines.append(line)
        finished += line.strip() == "burst sent"
        if finished == threads:
            process.send_signal(signal.SIGINT)
            break
    lines += process.stdout.readlines()
    if process.wait() != 0:
        sys.exit(f"wrk failed ({process.returncode}):\n{''.join(lines)}")
    result = parse_wrk("".join(lines))
    result.started = started
    return result
