"""The refresh benchmark (issue 12): what a refresh costs against what reading the files costs.

    .venv/bin/python benchmarks/refresh_benchmark.py [--scales 1,10,100] [--batches 3]
        [--seed 7] [--engine duckdb|spark] [--workdir DIR] [--out benchmarks/results]
    .venv/bin/python benchmarks/refresh_benchmark.py --plot-only benchmarks/results/benchmark.json

For each scale it generates a company (`crmwh generate --scale S --batches B --dirty`) and
runs, each as its own child process, as a user would:

  generate        the synthetic exports (timed, not a target);
  DuckDB alone    one DuckDB reading every file of the landing: each CSV with read_csv
                  (all_varchar) and each JSONL with read_json, into a throw-away table;
  full refresh    `crmwh refresh` of the first B-1 batches into an empty warehouse;
  daily refresh   `crmwh refresh` after the held-back last batch arrives;
  nothing new     `crmwh refresh` again, with no new file.

For each step: wall seconds; peak RSS, both as the kernel reports it for the child when it
is reaped (os.wait4: the largest single process of the step, Dagster or dbt) and as the
sum over the step's process tree sampled every 0.2 s (Dagster and dbt run side by side;
a peak shorter than 0.2 s can be missed); the refresh's own "time per step" line; and,
from dbt's run_results.json in the warehouse's dbt target folder, dbt's elapsed time, the
nodes and tests it ran and its 10 slowest nodes ("dbt not run" when the file did not
change). Linux counts the parent's memory at fork in a child's ru_maxrss, so this process
stays small: DuckDB (the mart row counts) and matplotlib (the plot) run in children.

How to read the ratios: each step's time is divided by the time of "DuckDB alone" on the
same landing, measured in the same run, on the same machine and under the same load. A
ratio of 3x means the step took as long as reading every exported file three times. It is
the figure to compare across machines and scales; the seconds are noisy on a shared
machine. The issue's targets (at scale 100; the markers are printed at every scale, for
information): full refresh <= 3x, daily refresh of one new batch <= 1.5x, refresh with
nothing new <= 1x, peak RSS <= 2 GiB (the larger of the two RSS figures).

`--engine spark` runs the refreshes with `CRMWH_ENGINE=spark` (docs/spark.md): its files are
named `benchmark-spark*`, beside DuckDB's.

Output: `<out>/benchmark-<UTC time>.json` and `<out>/benchmark.json` (the latest), written
after each scale; then the plot of time against scale, log-log, one line per kind of
refresh and DuckDB alone as the reference: `benchmark-<UTC time>.png` and `benchmark.png`
beside them. `--plot-only JSON` redraws the plot of a JSON file (beside it, same name) without
running anything. Nothing here runs in `make test`; `make benchmark [SCALES=1000]` runs it
after `make install`, so that dbt's manifest is up to date (else the first refresh prepares
it, within its time).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_OUT = ROOT / "benchmarks" / "results"

# The targets, as ratios to DuckDB alone reading every file; they apply at scale 100.
TARGETS = {"full": 3.0, "daily": 1.5, "nothing_new": 1.0}
RSS_TARGET_MIB = 2048
TARGET_SCALE = 100
REFRESHES = ("full", "daily", "nothing_new")
TITLES = {
    "generate": "generate (dirty)",
    "duckdb_alone": "DuckDB alone reads every file",
    "full": "full refresh",
    "daily": "daily refresh of one new batch",
    "nothing_new": "refresh with nothing new",
}

DUCKDB_ALONE = """
import sys
from pathlib import Path

import duckdb
landing = Path(sys.argv[1])
con = duckdb.connect()
for batch in sorted(p for p in landing.iterdir() if p.is_dir()):
    for f in sorted(batch.rglob('*')):
        if f.suffix == '.csv':
            con.execute(f"create or replace table t as "
                        f"select * from read_csv('{f}', all_varchar=true)")
        elif f.suffix == '.jsonl':
            con.execute(f"create or replace table t as "
                        f"select * from read_json('{f}', format='newline_delimited')")
"""


# ---------------------------------------------------------------------------------------
# One step: a child process, its wall time and its peak memory


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants, now (Linux /proc)."""
    parent, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * page
    total, todo = 0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class TreeSampler(threading.Thread):
    """The largest sum of RSS over a process tree, sampled every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.done.wait(self.interval)


def run_step(kind: str, label: str, command: list[str], env: dict, log: Path) -> dict:
    """Run one step as a child process (output to `log`); its figures."""
    load_before = os.getloadavg()[0]
    with log.open("w") as out:
        started = time.monotonic()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        # wait4 reaps this child and returns its own rusage: ru_maxrss (KiB on Linux) is the
        # largest of the child and its reaped descendants, for this step alone.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    step = {
        "kind": kind,
        "label": label,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "peak_rss_tree_mib": round(sampler.peak / 2**20),
        "exit_code": proc.returncode,
        "load_avg_1m_before": round(load_before, 2),
        "log": str(log),
    }
    if proc.returncode != 0:
        step["output_tail"] = output[-3000:]
    if kind in REFRESHES:
        step |= refresh_lines(output)
    return step


TIME_PER_STEP = re.compile(r"time per step:\s*(.*)$")
STEP_SECONDS = re.compile(r"([\w.\-]+) ([\d.]+) s")


def refresh_lines(output: str) -> dict:
    """The refresh summary's "time per step" (absent when no Dagster step timed) and its
    lines on batches, tables and checks."""
    lines = [line.strip() for line in output.splitlines()]
    per_step = next((m.group(1) for line in lines if (m := TIME_PER_STEP.search(line))), None)
    return {
        "time_per_step": (
            {name: float(sec) for name, sec in STEP_SECONDS.findall(per_step)} if per_step else None
        ),
        "summary": [
            line
            for line in lines
            if line.startswith(("refresh ", "batches loaded", "tables built", "time per step"))
        ],
    }


# ---------------------------------------------------------------------------------------
# dbt's run results


def dbt_target_of(warehouse: Path, engine: str = "duckdb") -> Path:
    """dbt's target folder of a warehouse (orchestration/defs/transform/assets.py; not
    imported: it would load Dagster into this process, whose memory the children inherit)."""
    return (
        warehouse.parent / "dbt" / (warehouse.stem + ("" if engine == "duckdb" else f"-{engine}"))
    )


def mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def dbt_run(run_results: Path, mtime_before: int | None) -> dict:
    """What dbt did in a refresh: its elapsed time, what it ran, its 10 slowest nodes."""
    if mtime(run_results) is None or mtime(run_results) == mtime_before:
        return {"ran": False, "note": "dbt not run"}
    data = json.loads(run_results.read_text())
    results = data.get("results", [])
    types = Counter(r["unique_id"].split(".", 1)[0] for r in results)
    # what dbt ran: not the skipped nodes, nor the no-ops (exposures)
    ran = Counter(
        r["unique_id"].split(".", 1)[0]
        for r in results
        if str(r.get("status")) not in ("skipped", "no-op")
    )
    top = sorted(results, key=lambda r: r.get("execution_time") or 0.0, reverse=True)[:10]
    args = data.get("args", {})
    return {
        "ran": True,
        "elapsed_s": round(data.get("elapsed_time") or 0.0, 2),
        "nodes": sum(n for t, n in ran.items() if t not in ("test", "unit_test")),
        "tests": ran.get("test", 0),
        "by_type": dict(sorted(types.items())),
        "by_status": dict(sorted(Counter(str(r.get("status")) for r in results).items())),
        "command": {k: args.get(k) for k in ("which", "select", "exclude") if args.get(k)},
        "top_nodes": [
            {
                "node": r["unique_id"],
                "seconds": round(r.get("execution_time") or 0.0, 2),
                "status": r.get("status"),
            }
            for r in top
        ],
    }


# ---------------------------------------------------------------------------------------
# One scale


def folder_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


MART_ROWS = """
import json, sys

import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute("select table_name from information_schema.tables "
                     "where table_schema = 'marts' order by 1").fetchall()
print(json.dumps({name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
                  for (name,) in tables}))
"""


def mart_rows(warehouse: Path) -> dict:
    """Rows per table of the marts schema, read in a child process (this one stays small)."""
    proc = subprocess.run(
        [sys.executable, "-c", MART_ROWS, str(warehouse)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-1000:]}
    return json.loads(proc.stdout)


def print_step(step: dict) -> None:
    ratio = step.get("ratio_to_duckdb_alone")
    ratio_text = f"{ratio:6.1f}x DuckDB alone" if ratio is not None else ""
    print(
        f"  {step['label']:<44} {step['seconds']:8.1f} s {ratio_text:<20} "
        f"peak RSS {step['peak_rss_mib']:>6} MiB (tree {step['peak_rss_tree_mib']} MiB)",
        flush=True,
    )
    if step["exit_code"] != 0:
        print(f"    FAILED (exit {step['exit_code']}), log: {step['log']}", flush=True)
    if step["kind"] not in REFRESHES:
        return
    per_step = step.get("time_per_step")
    if per_step:
        print("    time per step: " + ", ".join(f"{k} {v:.1f} s" for k, v in per_step.items()))
    else:
        print("    time per step: (none reported)")
    dbt = step.get("dbt", {})
    if dbt.get("ran"):
        print(f"    dbt {dbt['elapsed_s']:.1f} s: {dbt['nodes']} nodes, {dbt['tests']} tests")
    elif dbt:
        print(f"    {dbt['note']}")


def bench_scale(scale: float, args: argparse.Namespace, root: Path) -> dict:
    """Generate a company at one scale and time every step on it."""
    work = root / f"scale-{scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "logs"
    logs.mkdir(parents=True)
    landing, held_back, warehouse = work / "landing", work / "held_back", work / "crm.duckdb"
    run_results = dbt_target_of(warehouse, args.engine) / "run_results.json"
    crmwh = str(BIN / "crmwh")
    # Only this run's settings: none of the caller's CRMWH_* (a publish dir, a crash point).
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMWH_")}
    env |= {"CRMWH_LANDING": str(landing), "CRMWH_WAREHOUSE": str(warehouse)}
    env["CRMWH_ENGINE"] = args.engine
    print(f"\n=== scale {scale:g}: {args.batches} batches, seed {args.seed}, in {work}")

    result: dict = {"scale": scale, "workdir": str(work), "steps": {}}
    steps = result["steps"]

    def step(kind: str, label: str, command: list[str]) -> bool:
        before = mtime(run_results)
        s = run_step(kind, label, command, env, logs / f"{kind}.log")
        if kind in REFRESHES:
            s["dbt"] = dbt_run(run_results, before)
        alone = (
            s["seconds"] if kind == "duckdb_alone" else steps.get("duckdb_alone", {}).get("seconds")
        )
        if alone and kind != "generate":
            s["ratio_to_duckdb_alone"] = round(s["seconds"] / alone, 2)
        steps[kind] = s
        print_step(s)
        if s["exit_code"] != 0:
            result["failed"] = f"{label} exited {s['exit_code']} (log: {s['log']})"
        return s["exit_code"] == 0

    generate = [crmwh, "generate", "--out", str(landing), "--scale", f"{scale:g}"]
    generate += ["--batches", str(args.batches), "--seed", str(args.seed), "--dirty"]
    if not step("generate", TITLES["generate"], generate):
        return result
    result["landing_mb"] = folder_mb(landing)
    result["landing_files"] = sum(1 for p in landing.rglob("*") if p.is_file())
    print(f"  landing folder: {result['landing_mb']} MB in {result['landing_files']} files")
    duckdb_alone = [sys.executable, "-c", DUCKDB_ALONE, str(landing)]
    if not step("duckdb_alone", TITLES["duckdb_alone"], duckdb_alone):
        return result

    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    last = batches[-1]
    held_back.mkdir()
    shutil.move(str(last), held_back / last.name)
    if not step("full", f"full refresh of {len(batches) - 1} batches", [crmwh, "refresh"]):
        return result
    shutil.move(str(held_back / last.name), landing / last.name)
    if not step("daily", f"daily refresh: one new batch ({last.name})", [crmwh, "refresh"]):
        return result
    if not step("nothing_new", TITLES["nothing_new"], [crmwh, "refresh"]):
        return result

    result["warehouse_mb"] = round(warehouse.stat().st_size / 1e6, 1)
    result["mart_rows"] = mart_rows(warehouse)
    return result


def judge(result: dict) -> list[dict]:
    """The issue's targets for one scale: value, limit, pass."""
    steps = result["steps"]
    checks = []
    for kind, limit in TARGETS.items():
        step = steps.get(kind, {})
        ratio = step.get("ratio_to_duckdb_alone")
        failed = step.get("exit_code", 0) != 0  # a failed refresh misses its target
        checks.append(
            {
                "target": f"{TITLES[kind]} <= {limit:g}x",
                "kind": kind,
                "value": None if failed else ratio,
                "limit": limit,
                "pass": False if failed else None if ratio is None else ratio <= limit,
            }
        )
    rss = [
        max(steps[k]["peak_rss_mib"], steps[k]["peak_rss_tree_mib"])
        for k in REFRESHES
        if k in steps
    ]
    peak = max(rss) if rss else None
    checks.append(
        {
            "target": "peak RSS of a refresh <= 2 GiB",
            "kind": "peak_rss",
            "value": peak,
            "limit": RSS_TARGET_MIB,
            "pass": None if peak is None else peak <= RSS_TARGET_MIB,
        }
    )
    return checks


def mark(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def print_scale(result: dict) -> None:
    scale = result["scale"]
    print(
        f"\n--- scale {scale:g}: landing {result.get('landing_mb', '?')} MB, "
        f"warehouse {result.get('warehouse_mb', '?')} MB"
    )
    if result.get("failed"):
        print(f"  FAILED: {result['failed']}")
    note = (
        "apply here" if scale == TARGET_SCALE else f"apply at scale {TARGET_SCALE}; for information"
    )
    print(f"  targets ({note}):")
    for check in result["targets"]:
        value = check["value"]
        if value is None:
            text = "FAILED" if check["pass"] is False else "-"
        elif check["kind"] == "peak_rss":
            text = f"{value} MiB"
        else:
            text = f"{value:.1f}x"
        print(f"    {check['target']:<46} {text:>10}  {mark(check['pass'])}")
    for kind in REFRESHES:
        s = result["steps"].get(kind)
        if not s or "dbt" not in s:
            continue
        dbt = s["dbt"]
        if not dbt["ran"]:
            print(f"  {s['label']}: dbt not run")
            continue
        print(
            f"  top 10 dbt nodes, {s['label']} "
            f"(dbt {dbt['elapsed_s']:.1f} s, {dbt['nodes']} nodes, {dbt['tests']} tests):"
        )
        for node in dbt["top_nodes"]:
            kind_, _, name = node["node"].partition(".")
            name = name.split(".", 1)[-1]  # without the project's name
            print(f"    {node['seconds']:7.2f} s  {kind_:<9} {name}  [{node['status']}]")


def print_summary(report: dict) -> None:
    """All scales in one Markdown table (for the issue's closing note and the README)."""

    def cell(result: dict, kind: str) -> str:
        s = result["steps"].get(kind)
        if not s:
            return "-"
        if s["exit_code"] != 0:
            return f"FAILED after {s['seconds']:.1f} s"
        ratio = s.get("ratio_to_duckdb_alone")
        if kind == "duckdb_alone" or ratio is None:
            return f"{s['seconds']:.1f} s"
        check = next((c for c in result["targets"] if c["kind"] == kind), None)
        verdict = f" {mark(check['pass'])}" if check else ""
        return f"{s['seconds']:.1f} s ({ratio:.1f}x{verdict})"

    print(
        f"\n{report['batches']} batches, seed {report['seed']}, "
        f"{report['machine']['cpus_usable']} CPUs, {report['machine']['memory_gib']} GiB; "
        f"targets at scale {TARGET_SCALE}: full <= 3x, daily <= 1.5x, nothing new <= 1x, "
        "peak RSS <= 2 GiB\n"
    )
    print(
        "| scale | landing | DuckDB alone | full refresh | daily refresh | nothing new | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in report["scales"]:
        rss = next(c for c in r["targets"] if c["kind"] == "peak_rss")
        rss_text = f"{rss['value']} MiB {mark(rss['pass'])}" if rss["value"] else "-"
        print(
            f"| {r['scale']:g} | {r.get('landing_mb', '-')} MB | {cell(r, 'duckdb_alone')} "
            f"| {cell(r, 'full')} | {cell(r, 'daily')} | {cell(r, 'nothing_new')} "
            f"| {rss_text} |"
        )


# ---------------------------------------------------------------------------------------
# The machine, the plot, the run


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def code_version() -> dict:
    """The commit measured, and whether tracked files differed from it (read-only git)."""
    env = os.environ | {"GIT_OPTIONAL_LOCKS": "0"}  # git status without touching the index

    def git(*argv: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD"),
        "modified": None if status is None else bool(status),
    }


def plot(report: dict, paths: list[Path]) -> None:
    """Time against scale, log-log: one line per kind of refresh, DuckDB alone as reference,
    and the band from 1x to 3x DuckDB alone where the issue's targets lie."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    # kind: label, colour, line style, marker, where its ratio labels go (offset in points)
    styles = {
        "full": ("full refresh", "tab:red", "-", "o", (7, 4)),
        "daily": ("daily refresh of one new batch", "tab:blue", "-", "s", (-7, -13)),
        "nothing_new": ("refresh with nothing new", "tab:green", "-", "^", (7, -9)),
        "duckdb_alone": ("DuckDB alone reads every file (reference)", "black", "--", "D", None),
    }
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    scales = sorted({r["scale"] for r in report["scales"]})
    for kind, (label, color, line, marker, offset) in styles.items():
        points = sorted(
            (r["scale"], r["steps"][kind]["seconds"], r["steps"][kind].get("ratio_to_duckdb_alone"))
            for r in report["scales"]
            if kind in r["steps"] and r["steps"][kind]["exit_code"] == 0
        )
        if not points:
            continue
        xs, ys, ratios = zip(*points, strict=True)
        ax.plot(xs, ys, line, marker=marker, color=color, label=label, linewidth=1.8)
        if kind == "duckdb_alone":
            ax.fill_between(
                xs,
                ys,
                [3 * y for y in ys],
                color="grey",
                alpha=0.15,
                linewidth=0,
                label="1x to 3x DuckDB alone (where the targets lie)",
            )
            continue
        for x, y, ratio in zip(xs, ys, ratios, strict=True):
            if ratio is not None:
                ax.annotate(
                    f"{ratio:.1f}x",
                    (x, y),
                    textcoords="offset points",
                    xytext=offset,
                    ha="left" if offset[0] > 0 else "right",
                    fontsize=8,
                    color=color,
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = {r["scale"]: r.get("landing_mb") for r in report["scales"]}
    ax.set_xticks(scales, [f"{s:g}\n{sizes[s]} MB" if sizes.get(s) else f"{s:g}" for s in scales])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} s"))
    if len(scales) > 1:
        ax.set_xlim(scales[0] / 1.6, scales[-1] * 1.6)
    ax.set_xlabel("company scale (1 = the sample company) and its landing folder")
    ax.set_ylabel("wall time")
    m = report["machine"]
    ax.set_title(
        f"Refresh time against scale ({report['batches']} batches, "
        f"{m['cpus_usable']} CPUs, {m['memory_gib']} GiB)\n"
        "labels: time / DuckDB alone reading every file; targets at scale 100: "
        "full 3x, daily 1.5x, nothing new 1x",
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.15)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False)
    commit = (report.get("code") or {}).get("commit") or ""
    fig.text(
        0.99,
        0.01,
        f"run {report.get('started_utc', '')}  {commit[:10]}",
        ha="right",
        fontsize=7,
        color="grey",
    )
    fig.tight_layout()
    for path in paths:
        fig.savefig(path)
    plt.close(fig)


def draw_in_child(json_path: Path) -> None:
    """The plot of a result file, beside it, drawn by `--plot-only` in a child process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--plot-only", str(json_path)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def parse_scales(text: str) -> list[float]:
    try:
        scales = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma list of numbers: {text!r}") from None
    if not scales or any(s <= 0 for s in scales):
        raise argparse.ArgumentTypeError(f"scales must be positive numbers: {text!r}")
    return scales


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        "--scale",
        type=parse_scales,
        default=[1.0, 10.0, 100.0],
        help="comma list of company scales, run in order (default 1,10,100; "
        "1000, ~4.7 GB of exports, only on request: --scales 1000)",
    )
    parser.add_argument(
        "--batches", type=int, default=3, help="daily batches generated (default 3)"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="the engine the refreshes build the models on (CRMWH_ENGINE; default duckdb)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the companies and warehouses go, one folder per scale, recreated and "
        "kept; a temporary folder, removed at the end, otherwise",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder of the JSON and PNG results (default benchmarks/results/)",
    )
    parser.add_argument(
        "--plot-only",
        type=Path,
        metavar="JSON",
        help="only redraw the plot of an existing result file, beside it (same name, .png)",
    )
    args = parser.parse_args()
    if args.batches < 2:
        parser.error("--batches must be at least 2 (one is held back for the daily refresh)")

    if args.plot_only:
        png = args.plot_only.with_suffix(".png")
        plot(json.loads(args.plot_only.read_text()), [png])
        print(f"plot: {png}")
        return

    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    name = "benchmark" if args.engine == "duckdb" else f"benchmark-{args.engine}"
    out_json = [args.out / f"{name}-{stamp}.json", args.out / f"{name}.json"]
    out_png = [args.out / f"{name}-{stamp}.png", args.out / f"{name}.png"]
    root = args.workdir or Path(tempfile.mkdtemp(prefix="crmwh-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "refresh (issue 12)",
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": None,
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "batches": args.batches,
        "seed": args.seed,
        "engine": args.engine,
        "scales_requested": args.scales,
        "targets": {
            "apply_at_scale": TARGET_SCALE,
            "ratio_to_duckdb_alone": TARGETS,
            "peak_rss_mib": RSS_TARGET_MIB,
        },
        "machine": machine(),
        "code": code_version(),
        "scales": [],
    }
    m = report["machine"]
    print(
        f"refresh benchmark on {args.engine}: scales {', '.join(f'{s:g}' for s in args.scales)}; "
        f"{m['cpus_usable']} CPUs, {m['memory_gib']} GiB, duckdb {m['versions']['duckdb']}, "
        f"dbt {m['versions']['dbt-core']}; results in {args.out}"
    )
    failed = False
    for scale in args.scales:
        result = bench_scale(scale, args, root)
        result["targets"] = judge(result)
        failed |= bool(result.get("failed"))
        report["scales"].append(result)
        report["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        for path in out_json:  # after each scale: a crash at a larger one keeps the others
            path.write_text(json.dumps(report, indent=2) + "\n")
        draw_in_child(out_json[0])
        shutil.copyfile(out_png[0], out_png[1])
        print_scale(result)

    print_summary(report)
    print(
        f"\nresults: {out_json[0]} (and {out_json[1].name}); plot: {out_png[0]} (and "
        f"{out_png[1].name})"
    )
    if args.workdir is None and not failed:
        shutil.rmtree(root)
    elif failed:
        print(f"kept for inspection: {root}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
