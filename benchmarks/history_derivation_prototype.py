"""Time and memory of deriving reassignments from the real ServiceNow log: stdlib vs pandas.

Not a test. Each measured run is a fresh child process, so that its peak RSS
(resource.getrusage ru_maxrss) is its own. A run reads the whole zip, groups the updates by
incident in update order, drops exact duplicate snapshots, and derives each incident's
reassignment count (plus ServiceNow's own counter, to check agreement):

* python: baton_itsm.core.history.servicenow_log (read_incident_log, group_incidents,
  derive_reassignments), standard library only;
* pandas: the same with read_csv and vectorised group-wise shifts (`pip install pandas`);
* floor: only unzip, decode and split each line, the least a line-by-line reader does, for scale.

Timings exclude interpreter start-up and imports; peak RSS (VmHWM, else getrusage) includes
them, which is what a process doing this costs, and the RSS after imports is shown apart. Both paths must produce the same count for every incident.

    python benchmarks/history_derivation_prototype.py [--repeat N] [path/to/incident_event_log.zip]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from _history_import import LOG_ZIP


def rss_mib() -> float:
    """Peak RSS of this process so far, in MiB.

    getrusage's ru_maxrss survives exec on Linux: a child started by a parent that had grown (say,
    by importing pandas) would report the parent's peak. /proc/self/status VmHWM belongs to the
    process image alone, so it is preferred where it exists.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_python(path: str) -> dict:
    from _history_import import servicenow_log

    snl = servicenow_log()
    imported = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    reader = snl.read_incident_log(path)
    groups = snl.group_incidents(reader)
    derived = {number: snl.derive_reassignments(u) for number, u in groups.items()}
    reported = {number: snl.reported_reassignments(u) for number, u in groups.items()}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert not reader.rejected, reader.rejected[:3]
    return result(wall, cpu, imported, derived, reported, reader.rows_read)


def run_floor(path: str) -> dict:
    """The least any line-by-line reader must do: unzip, decode, split each line. No records."""
    import io
    import zipfile

    imported = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8", newline=""):
            line.rstrip("\r\n").split(",")
            rows += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result(wall, cpu, imported, {}, {}, rows - 1)


def run_pandas(path: str) -> dict:
    import pandas as pd

    imported = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(path, dtype=str, na_values=["?"], keep_default_na=False)
    rows = len(frame)
    for column in ("sys_updated_at", "opened_at", "resolved_at", "closed_at"):
        frame[column] = pd.to_datetime(
            frame[column].str.replace("-", "/", regex=False), format="%d/%m/%Y %H:%M"
        )
    for column in ("sys_mod_count", "reassignment_count", "reopen_count"):
        frame[column] = frame[column].astype("int64")
    frame = frame.drop_duplicates()
    frame = frame.sort_values(["number", "sys_mod_count", "sys_updated_at"], kind="stable")
    group = frame["assignment_group"].fillna("")  # an empty group is a value, as in the module
    number = frame["number"]
    changed = number.eq(number.shift()) & group.ne(group.shift())
    by_incident = changed.groupby(number, sort=False)
    derived = by_incident.sum().astype(int).to_dict()
    reported = frame.groupby("number", sort=False)["reassignment_count"].last().to_dict()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result(wall, cpu, imported, derived, reported, rows)


def result(wall, cpu, imported, derived, reported, rows) -> dict:
    agree = sum(1 for number, count in derived.items() if count == reported[number])
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_rss": rss_mib(),
        "rss_after_imports": imported,
        "rows": rows,
        "incidents": len(derived),
        "agree": agree,
        "derived": derived,
    }


def measure(engine: str, path: str, repeat: int) -> list[dict]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, path],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout))
        runs[-1]["process_wall"] = time.perf_counter() - started
    return runs


def summary(engine: str, runs: list[dict]) -> dict:
    best = min(runs, key=lambda r: r["wall"])
    row = {
        "wall": best["wall"],
        "wall_median": statistics.median(r["wall"] for r in runs),
        "cpu": min(r["cpu"] for r in runs),
        "peak_rss": max(r["peak_rss"] for r in runs),
        "rss_after_imports": best["rss_after_imports"],
        "process_wall": min(r["process_wall"] for r in runs),
    }
    outcome = f"{best['rows']} rows"
    if best["derived"]:
        outcome += (
            f", {best['incidents']} incidents,"
            f" agreement {100 * best['agree'] / best['incidents']:.3f}%"
        )
    print(
        f"{engine:7s} wall {row['wall']:.3f} s (median {row['wall_median']:.3f}),"
        f" cpu {row['cpu']:.3f} s, peak RSS {row['peak_rss']:.1f} MiB"
        f" ({row['rss_after_imports']:.1f} after imports),"
        f" whole process {row['process_wall']:.3f} s; {outcome}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(LOG_ZIP))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(ENGINES[args.child](args.path)))
        return

    print(f"{args.path}, best of {args.repeat} fresh processes per engine")
    python_runs = measure("python", args.path, args.repeat)
    py = summary("python", python_runs)
    # Asked of a child: importing pandas here would make this process big for the next children.
    if subprocess.run([sys.executable, "-c", "import pandas"], capture_output=True).returncode:
        print("pandas is not installed (pip install pandas): no comparison")
        return
    pandas_runs = measure("pandas", args.path, args.repeat)
    pd_ = summary("pandas", pandas_runs)
    floor = summary("floor", measure("floor", args.path, args.repeat))
    same = python_runs[0]["derived"] == pandas_runs[0]["derived"]
    print(f"both engines derive the same count for every incident: {same}")
    print(
        f"ratios python/pandas: wall {py['wall'] / pd_['wall']:.2f}"
        f" (median {py['wall_median'] / pd_['wall_median']:.2f}),"
        f" cpu {py['cpu'] / pd_['cpu']:.2f},"
        f" peak RSS {py['peak_rss'] / pd_['peak_rss']:.2f}"
        f"  [targets: wall <= 0.30, peak RSS <= 0.50];"
        f" whole process (start-up and imports included) {py['process_wall'] / pd_['process_wall']:.2f}"
    )
    print(
        f"floor (unzip + decode + split every line, no records) / pandas wall:"
        f" {floor['wall'] / pd_['wall']:.2f}"
    )


ENGINES = {"python": run_python, "pandas": run_pandas, "floor": run_floor}


if __name__ == "__main__":
    main()
