"""The benchmark's Markdown report: the machine, the set-up, and one table per backend."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def machine() -> list[str]:
    import gunicorn

    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical CPUs; memory {_memory_gib()}",
        f"- OS: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- Python {platform.python_version()}, gunicorn {gunicorn.__version__}",
        f"- Load generator: {_version(['wrk', '--version'])}",
    ]


def load_average() -> str:
    """The 1-minute load average: the machine may be shared, which skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def table(run: dict[str, Any]) -> list[str]:
    scenarios = run["scenarios"]
    ceiling = scenarios["ceiling"]
    base_rps = ceiling["requests"] / (ceiling["duration_us"] / 1e6)
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | req/s ÷ ceiling | p50 × ceiling "
        "| p99 × ceiling | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in scenarios.values():
        rps = result["requests"] / (result["duration_us"] / 1e6)
        lines.append(
            f"| `{result['label']}` | {rps:,.0f} | {_ms(result['p50_us'])} "
            f"| {_ms(result['p99_us'])} | {rps / base_rps:.2f} "
            f"| {result['p50_us'] / ceiling['p50_us']:.1f} "
            f"| {result['p99_us'] / ceiling['p99_us']:.1f} "
            f"| {result['non_2xx'] + result['socket_errors']} |"
        )
    return lines


def combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each scenario over all rounds: requests and time summed (so req/s is the rate over
    every round), p50 and p99 averaged, failures summed."""
    out: dict[str, Any] = {}
    for name, first in rounds[0].items():
        each = [r[name] for r in rounds if name in r]
        out[name] = {
            "label": first["label"],
            "requests": sum(r["requests"] for r in each),
            "duration_us": sum(r["duration_us"] for r in each),
            "p50_us": sum(r["p50_us"] for r in each) / len(each),
            "p99_us": sum(r["p99_us"] for r in each) / len(each),
            "non_2xx": sum(r["non_2xx"] for r in each),
            "socket_errors": sum(r["socket_errors"] for r in each),
        }
    return out


GOALS = {  # issue 9, PostgreSQL (SQLite: points >= 0.30 x ceiling)
    "points": ("ceiling", 0.35),
    "event": ("ceiling", 0.25),
    "redeem": ("anchor", 0.6),
}
BATCH_EVENTS = 100  # events per batch request (bench/lua/batch.lua)
BATCH_GOAL = 10_000  # events/s


def ratios(run: dict[str, Any]) -> list[str]:
    """The ratios the issue sets goals for."""
    scenarios = run["scenarios"]
    rounds: list[dict[str, Any]] = run.get("rounds", [])
    per_round = len(rounds) > 1

    def rps(name: str, results: dict[str, Any] = scenarios) -> float:
        result = results[name]
        return float(result["requests"]) / (result["duration_us"] / 1e6)

    def each(figure: Any) -> str:
        return " | " + ", ".join(figure(r) for r in rounds) if per_round else ""

    head = "| ratio | measured | goal (PostgreSQL) |"
    lines = [head + (" each round |" if per_round else ""), "|---|---:|---:|" + "---:|" * per_round]
    for name, (against, goal) in GOALS.items():
        if name in scenarios and against in scenarios:
            rounds_text = each(lambda r, n=name, a=against: f"{rps(n, r) / rps(a, r):.2f}")
            lines.append(
                f"| {name} ÷ {against} | {rps(name) / rps(against):.2f} | >= {goal}{rounds_text} |"
            )
    if "batch" in scenarios:
        events = rps("batch") * BATCH_EVENTS
        rounds_text = each(lambda r: f"{rps('batch', r) * BATCH_EVENTS:,.0f}")
        lines.append(f"| batch ingest, events/s | {events:,.0f} | >= {BATCH_GOAL:,}{rounds_text} |")
    return lines


def markdown(runs: dict[str, Any], args: argparse.Namespace, storage: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Recorded {when} by `make bench` (`{' '.join(sys.argv[1:]) or 'defaults'}`).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Set-up",
        "",
        f"- gunicorn `bench.app:app`: {args.workers} workers × {args.threads} threads "
        "(gthread); wrk and the database on the same machine.",
        f"- wrk: {args.wrk_threads} threads, {args.connections} connections, "
        f"{args.duration} s per endpoint after {args.warmup} s of warm-up, "
        f"{max(1, getattr(args, 'rounds', 1))} round(s) of every endpoint one after another "
        "(the tables are over all rounds; the ratios are also given for each).",
        f"- Rate-limit storage: `{storage}` (limit set far above the load).",
        "- Writes send a fresh `Idempotency-Key` each (the path integrators should use); "
        "users are drawn at random from 1,000 seeded members.",
        "- The ceiling is `GET /bench/ping`, a JSON route that exists only in the bench "
        "app: Flask, the app's request hooks and gunicorn, no database.",
        "",
    ]
    for run in runs.values():
        lines += [f"## {run['database']}", "", *table(run), "", *ratios(run), ""]
        lines += [
            f"Load average (1 min) before and after: {run['load_before']} → {run['load_after']}.",
            "",
        ]
    return "\n".join(lines)
