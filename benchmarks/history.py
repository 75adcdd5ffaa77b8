"""`baton import` + `baton report` of the whole ServiceNow log against a plain pandas script (not a test).

Both sides are timed whole-process, in the same run, each command in a fresh child process:

* baton: `baton --db LEDGER import servicenow-log LOG -q`, then `baton --db LEDGER report --format json
  --no-charts`, into an on-disk SQLite ledger. The ledger's tables are created first by
  `baton db upgrade` (a one-time setup of a store, timed and shown apart, not in the ratio);
* pandas: read the CSV, parse the timestamps, order each incident's updates, count its group changes
  (the derivation Baton's import does), and print the counts as JSON.

Wall time is the child's elapsed time; peak memory is its maximum resident set size (getrusage of the
children of a fresh measuring process, so one command's peak never leaks into another's). For baton the
wall times of the two commands add up and the peak is the larger one. CPU time (user + system) is
printed too, for reference: on a shared machine it varies far less than wall time. Goal: baton <= 0.30x pandas' wall
time and <= 0.50x its peak memory. Needs pandas (`pip install -e '.[bench]'`).

    python benchmarks/history.py [--repeat N] [path/to/incident_event_log.zip]
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
from pathlib import Path

from _history_import import LOG_ZIP

GOALS = {"wall": 0.30, "peak": 0.50}


def measure(command: list[str]) -> dict:
    """Run `command` in a fresh measuring process: {"wall": seconds, "peak_mib": MiB, "stdout": text}."""
    out = subprocess.run([sys.executable, __file__, "--measure", *command], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.splitlines()[-1])


def _measure_here(command: list[str]) -> None:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    # CPU time (user + system) is shown beside the wall time: on a shared machine it varies far less.
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": peak,
                      "stdout": done.stdout[-2000:]}))


def pandas_derivation(path: str) -> None:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, na_values=["?"], keep_default_na=False)
    frame["sys_updated_at"] = pd.to_datetime(frame["sys_updated_at"].str.replace("-", "/", regex=False),
                                             format="%d/%m/%Y %H:%M")
    frame["sys_mod_count"] = frame["sys_mod_count"].astype("int64")
    frame = frame.drop_duplicates().sort_values(["number", "sys_updated_at", "sys_mod_count"], kind="stable")
    group, number = frame["assignment_group"].fillna(""), frame["number"]
    changed = number.eq(number.shift()) & group.ne(group.shift())
    counts = changed.groupby(number, sort=False).sum().astype(int)
    print(json.dumps({"incidents": len(counts), "group_changes": int(counts.sum())}))


def baton_run(path: str, baton: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    try:
        db = str(folder / "ledger.db")
        setup = measure([baton, "--db", db, "db", "upgrade"])
        imported = measure([baton, "--db", db, "import", "servicenow-log", path, "-q"])
        report = measure([baton, "--db", db, "report", "--format", "json", "--no-charts", "--out",
                          str(folder / "report")])
        return {"wall": imported["wall"] + report["wall"], "cpu": imported["cpu"] + report["cpu"],
                "peak_mib": max(imported["peak_mib"], report["peak_mib"]),
                "import_wall": imported["wall"], "report_wall": report["wall"], "import_peak": imported["peak_mib"],
                "report_peak": report["peak_mib"], "setup_wall": setup["wall"], "import_output": imported["stdout"]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(LOG_ZIP))
    parser.add_argument("--repeat", type=int, default=3)
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
    print(f"{args.path}: best of {args.repeat} runs, each command a fresh process")
    batons, pandas_runs = [], []
    for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits both sides alike
        batons.append(baton_run(args.path, baton))
        pandas_runs.append(measure([sys.executable, __file__, "--pandas", args.path]))
    best = min(batons, key=lambda r: r["wall"])
    pandas = min(pandas_runs, key=lambda r: r["wall"])
    peak_baton = max(r["peak_mib"] for r in batons)
    peak_pandas = min(r["peak_mib"] for r in pandas_runs)
    print(f"baton   import {best['import_wall']:.2f} s ({best['import_peak']:.0f} MiB) + report "
          f"{best['report_wall']:.2f} s ({best['report_peak']:.0f} MiB) = wall {best['wall']:.2f} s, "
          f"peak {peak_baton:.0f} MiB   [store setup `baton db upgrade`: {best['setup_wall']:.2f} s, not counted]")
    print(f"pandas  wall {pandas['wall']:.2f} s, peak {peak_pandas:.0f} MiB   ({pandas['stdout'].strip()})")
    cpu_baton, cpu_pandas = min(r["cpu"] for r in batons), min(r["cpu"] for r in pandas_runs)
    print(f"cpu time (user + system, least of the runs): baton {cpu_baton:.2f} s, pandas {cpu_pandas:.2f} s, "
          f"ratio {cpu_baton / cpu_pandas:.2f} (for reference; the goal is on wall time)")
    wall_ratio, peak_ratio = best["wall"] / pandas["wall"], peak_baton / peak_pandas
    print(f"ratios baton/pandas: wall {wall_ratio:.2f} (goal <= {GOALS['wall']:.2f}: "
          f"{'met' if wall_ratio <= GOALS['wall'] else 'not met'}), peak memory {peak_ratio:.2f} "
          f"(goal <= {GOALS['peak']:.2f}: {'met' if peak_ratio <= GOALS['peak'] else 'not met'})")
    print("baton import said:", best["import_output"].splitlines()[0] if best["import_output"] else "")


if __name__ == "__main__":
    main()
