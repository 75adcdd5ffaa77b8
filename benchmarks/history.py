"""`baton import --report` of the whole ServiceNow log against a plain pandas script (not a test), on the
log as it is and on a copy ten times as long.

Both sides are timed whole-process, in the same run, each command in a fresh child process:

* baton: `baton --db LEDGER import servicenow-log LOG -q --report --no-charts`: the import, then the report
  in the same process (core/cli/report_after_import), into an on-disk SQLite ledger. The ledger's tables
  are created first by `baton db upgrade` (a one-time setup of a store, timed and shown apart, not in the
  ratio). For reference, the same as two commands on a second ledger: `import`, then `report --format
  json --no-charts`, whose report.json must be byte for byte the one `import --report` wrote;
* pandas: read the CSV, parse the timestamps, order each incident's updates, count its group changes
  (the derivation Baton's import does), and print the counts as JSON.

`--scale 10` runs on a log ten times as long (1.2 M rows), made here in a temporary folder: the log
repeated, each copy's incidents renamed (INC0000045, INC0000045-1, ... INC0000045-9), zipped like the
original. By default both scales run, 1x then 10x, each side best of `--repeat` runs, interleaved.

Wall time is the child's elapsed time; peak memory is its maximum resident set size (getrusage of the
children of a fresh measuring process, so one command's peak never leaks into another's): with the
reading and reporting child processes, the largest single process. Every process of a command
together is printed too (sampled every 20 ms; forked children share pages with their parent, counted
in each). For the two commands, their wall times add up and the peak is the larger one. CPU time (user +
system, every process) is printed too, for reference: on a shared machine it varies far less than wall
time. Goals (issue 20): baton <= 1.0x pandas' wall time at 1x and at 10x; peak memory <= 0.35x pandas' at
1x and <= 0.10x at 10x. Needs pandas (`pip install -e '.[bench]'`).

    python benchmarks/history.py [--repeat N] [--scale N ...] [path/to/incident_event_log.zip]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _history_import import LOG_ZIP

GOALS = {"wall": 1.0, "peak": 0.35}  # at 1x; history_floor.py compares against these
GOALS_BY_SCALE = {1: GOALS, 10: {"wall": 1.0, "peak": 0.10}}


def measure(command: list[str]) -> dict:
    """Run `command` in a fresh measuring process: {"wall": seconds, "peak_mib": MiB, "stdout": text}."""
    out = subprocess.run([sys.executable, __file__, "--measure", *command], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def _measure_here(command: list[str]) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tree_peak, out, err = 0, "", ""
    while True:  # the RSS of the command and its child processes together, sampled every 20 ms
        tree_peak = max(tree_peak, _tree_rss_kib(process.pid))
        try:
            out, err = process.communicate(timeout=0.02)
            break
        except subprocess.TimeoutExpired:
            continue
    wall = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{err}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024  # KiB on Linux: the largest single process
    # CPU time (user + system) is shown beside the wall time: on a shared machine it varies far less.
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mib": peak,
                "tree_mib": tree_peak / 1024,
                "stdout": out[-2000:],
                "first_line": out.split("\n", 1)[0],
            }
        )
    )


def _tree_rss_kib(pid: int) -> int:
    """The resident set of a process and its descendants, summed (Linux /proc; 0 where it is not there)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total


def pandas_derivation(path: str) -> None:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, na_values=["?"], keep_default_na=False)
    frame["sys_updated_at"] = pd.to_datetime(
        frame["sys_updated_at"].str.replace("-", "/", regex=False), format="%d/%m/%Y %H:%M"
    )
    frame["sys_mod_count"] = frame["sys_mod_count"].astype("int64")
    frame = frame.drop_duplicates().sort_values(["number", "sys_updated_at", "sys_mod_count"], kind="stable")
    group, number = frame["assignment_group"].fillna(""), frame["number"]
    changed = number.eq(number.shift()) & group.ne(group.shift())
    counts = changed.groupby(number, sort=False).sum().astype(int)
    print(json.dumps({"incidents": len(counts), "group_changes": int(counts.sum())}))


def baton_run(path: str, baton: str) -> dict:
    """`baton import --report` timed (the goal's figure), then `import` and `report` as two commands on a second
    ledger (for reference); both reports' JSON must be the same."""
    folder, differ = Path(tempfile.mkdtemp(prefix="baton-bench-")), False
    try:
        one, two = str(folder / "one.db"), str(folder / "two.db")
        setup = measure([baton, "--db", one, "db", "upgrade"])
        measure([baton, "--db", two, "db", "upgrade"])
        together = measure(
            [
                baton,
                "--db",
                one,
                "import",
                "servicenow-log",
                path,
                "-q",
                "--report",
                "--no-charts",
                "--out",
                str(folder / "report-one"),
            ]
        )
        imported = measure([baton, "--db", two, "import", "servicenow-log", path, "-q"])
        report = measure(
            [baton, "--db", two, "report", "--format", "json", "--no-charts", "--out", str(folder / "report-two")]
        )
        one_json, two_json = (folder / name / "report.json" for name in ("report-one", "report-two"))
        if differ := one_json.read_bytes() != two_json.read_bytes():
            sys.exit(f"`import --report` and `report` wrote different report.json files (kept in {folder})")
        return {
            "wall": together["wall"],
            "cpu": together["cpu"],
            "peak_mib": together["peak_mib"],
            "tree_mib": together["tree_mib"],
            "two_wall": imported["wall"] + report["wall"],
            "import_wall": imported["wall"],
            "report_wall": report["wall"],
            "two_peak": max(imported["peak_mib"], report["peak_mib"]),
            "setup_wall": setup["wall"],
            "import_said": together["first_line"],
        }
    finally:
        if not differ:  # kept when the reports differ, to compare
            shutil.rmtree(folder, ignore_errors=True)


def scaled_log(path: str, scale: int, folder: Path) -> str:
    """The log `scale` times over, each copy's incidents renamed (`-K` after the number), zipped like the log."""
    if scale == 1:
        return path
    with zipfile.ZipFile(path) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        header, *lines = archive.read(member).decode("utf-8-sig").splitlines(keepends=True)
    out = folder / f"incident_event_log_x{scale}.zip"
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
        archive.open(member, "w", force_zip64=True) as stream,
    ):
        stream.write(header.encode())
        for copy in range(scale):
            suffix = f"-{copy}" if copy else ""
            stream.write(
                "".join(
                    number + suffix + "," + rest for number, rest in (line.split(",", 1) for line in lines)
                ).encode()
            )
    return str(out)


def compare(path: str, baton: str, repeat: int, scale: int) -> None:
    print(f"{path} ({scale}x): best of {repeat} runs, each command a fresh process")
    batons, pandas_runs = [], []
    for _ in range(repeat):  # interleaved, so a busy moment of the machine hits both sides alike
        batons.append(baton_run(path, baton))
        pandas_runs.append(measure([sys.executable, __file__, "--pandas", path]))
    best = min(batons, key=lambda r: r["wall"])
    pandas = min(pandas_runs, key=lambda r: r["wall"])
    peak_baton = max(r["peak_mib"] for r in batons)  # the worst run: memory is not noise
    peak_pandas = min(r["peak_mib"] for r in pandas_runs)
    print(
        f"  baton   import --report: wall {best['wall']:.2f} s, peak {peak_baton:.0f} MiB   "
        f"[store setup `baton db upgrade`: {best['setup_wall']:.2f} s, not counted]"
    )
    two = min(batons, key=lambda r: r["two_wall"])
    print(
        f"          as two commands, for reference: import {two['import_wall']:.2f} s + report "
        f"{two['report_wall']:.2f} s = {two['two_wall']:.2f} s, peak {max(r['two_peak'] for r in batons):.0f} MiB; "
        "report.json the same as import --report's in every run"
    )
    print(f"  pandas  wall {pandas['wall']:.2f} s, peak {peak_pandas:.0f} MiB   ({pandas['stdout'].strip()})")
    tree_baton, tree_pandas = max(r["tree_mib"] for r in batons), min(r["tree_mib"] for r in pandas_runs)
    print(
        f"  every process of a command together (sampled every 20 ms; a forked child shares pages with its "
        f"parent, counted in both): baton {tree_baton:.0f} MiB, pandas {tree_pandas:.0f} MiB, ratio "
        f"{tree_baton / tree_pandas:.2f}"
    )
    cpu_baton, cpu_pandas = min(r["cpu"] for r in batons), min(r["cpu"] for r in pandas_runs)
    print(
        f"  cpu time (user + system, every process, least of the runs): baton {cpu_baton:.2f} s, pandas "
        f"{cpu_pandas:.2f} s, ratio {cpu_baton / cpu_pandas:.2f} (for reference; the goal is on wall time)"
    )
    goals = GOALS_BY_SCALE.get(scale, GOALS_BY_SCALE[10])
    wall_ratio, peak_ratio = best["wall"] / pandas["wall"], peak_baton / peak_pandas
    print(
        f"  ratios baton/pandas ({scale}x): wall {wall_ratio:.2f} (goal <= {goals['wall']:.2f}: "
        f"{'met' if wall_ratio <= goals['wall'] else 'not met'}), peak memory {peak_ratio:.2f} "
        f"(goal <= {goals['peak']:.2f}: {'met' if peak_ratio <= goals['peak'] else 'not met'})"
    )
    print("  baton import said:", best["import_said"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(LOG_ZIP))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--scale", type=int, action="append", help="the log N times over (repeatable; default: 1 and 10)"
    )
    parser.add_argument("--measure", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--pandas", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return _measure_here(args.measure)
    if args.pandas:
        return pandas_derivation(args.path)
    baton = shutil.which("baton", path=str(Path(sys.executable).parent)) or shutil.which("baton")
    if baton is None:
        sys.exit("no `baton` command: pip install -e '.[bench]' in this environment first")
    if subprocess.run([sys.executable, "-c", "import pandas"], capture_output=True).returncode:
        sys.exit("pandas is not installed: pip install -e '.[bench]'")
    folder = Path(tempfile.mkdtemp(prefix="baton-bench-log-"))
    try:
        for scale in args.scale or [1, 10]:
            if scale < 1:
                sys.exit(f"--scale must be 1 or more, not {scale}")
            compare(scaled_log(args.path, scale, folder), baton, args.repeat, scale)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
