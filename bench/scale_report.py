"""bench/SCALE.md: the seed rate, each hot path big ÷ small, and the ledger verify time.

Kept apart from bench/scale.py so the arithmetic (ratios, projections) is plain functions
a unit test can check without a database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bench import report

GOAL_RATIO = 0.8  # issue 9: each hot path keeps >= 0.8 of its small-database throughput
GOAL_VERIFY_S = 60.0  # and `flask ledger verify` over the big data takes under 60 s


def rate(result: dict[str, Any], name: str) -> float:
    """Throughput of one wrk result: requests/s, or events/s for the batch scenario."""
    per_request = report.BATCH_EVENTS if name == "batch" else 1
    return float(result["requests"]) * per_request / (float(result["duration_us"]) / 1e6)


def ratio_of(small: dict[str, Any], big: dict[str, Any], name: str) -> float:
    """Big ÷ small throughput of one scenario (NaN when either is missing or zero)."""
    if name not in small or name not in big:
        return float("nan")
    return rate(big[name], name) / (rate(small[name], name) or float("nan"))


def throughput_rows(small: dict[str, Any], big: dict[str, Any]) -> list[str]:
    """One Markdown row per scenario measured on both databases."""
    lines = [
        "| scenario | small /s | big /s | big ÷ small | goal | same, each ÷ its ceiling "
        "| p99 ms small → big | non-2xx small, big |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    ceilings = ratio_of(small, big, "ceiling")
    for name, before in small.items():
        after = big.get(name)
        if after is None:
            continue
        ratio = ratio_of(small, big, name)
        if name == "ceiling":
            goal = "none: load control"
        else:
            goal = f">= {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'missed'}"
        unit = " (events/s)" if name == "batch" else ""
        errors = [r["non_2xx"] + r["socket_errors"] for r in (before, after)]
        lines.append(
            f"| `{before['label']}`{unit} | {rate(before, name):,.0f} | {rate(after, name):,.0f} "
            f"| {ratio:.2f} | {goal} | {ratio / ceilings:.2f} | {before['p99_us'] / 1000:.0f} → "
            f"{after['p99_us'] / 1000:.0f} | {errors[0]}, {errors[1]} |"
        )
    return lines


def verify_projection(small_s: float, big_s: float, scale: float) -> float:
    """Start-up (the small run) plus the data-bound part (big - small) scaled up."""
    return small_s + max(big_s - small_s, 0.0) * scale


def duration(seconds: float) -> str:
    """Seconds as the largest sensible unit: 42 s, 12.5 min, 3.2 h."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def markdown(
    results: dict[str, Any], args: argparse.Namespace, storage: str, full: tuple[int, int]
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    seed, sizes, verify = results["seed"], results["sizes"], results["verify"]
    load = results["load"]
    analyze = "VACUUM ANALYZE" if results["database"].startswith("PostgreSQL") else "ANALYZE"
    full_members, full_entries = full
    reduced = (args.members, args.entries) != full
    scale = full_entries / max(sizes["ledger_entry"], 1)
    lines = [
        "# Scale benchmark results",
        "",
        f"Recorded {when} by `make bench-scale` (`{' '.join(sys.argv[1:]) or 'defaults'}`).",
        "",
    ]
    if reduced:
        lines += [
            f"**Reduced run:** {args.members:,} members and {args.entries:,} seeded entries, "
            f"not the issue's {full_members:,} and {full_entries:,}; the projections below "
            "scale its figures linearly to the full size.",
            "",
        ]
    verdict = "met" if verify["seconds"] < GOAL_VERIFY_S else "missed"
    lines += [
        "## Machine",
        "",
        *report.machine(),
        "- Load average (1 min) at start, after the small measurement, after seeding, after "
        f"the big measurement, after verify: {load['start']}, {load['small']}, "
        f"{load['seeded']}, {load['big']}, {load['end']}.",
        "",
        "## Set-up",
        "",
        f"- {results['database']}; gunicorn `bench.app:app` {args.workers} workers × "
        f"{args.threads} threads; wrk {args.wrk_threads} threads, {args.connections} "
        f"connections, {args.duration} s per scenario after {args.warmup} s of warm-up; "
        f"rate limits in `{storage}`.",
        "- One database and one server for the whole run: seeded as `make bench` seeds it "
        "(1,000 members), measured (*small*), seeded through the batch path, analysed "
        f"(`{analyze}`, as autovacuum would before long), measured again (*big*: the "
        "scenarios draw from every member).",
        "",
        "## Seeding through the batch path",
        "",
        f"- `POST /v1/event/batch` over HTTP to that gunicorn: {args.senders} concurrent "
        f"senders, {args.batch_size} events a request, event i for member `bench-((i + 1000) "
        f"mod {args.members:,} + 1)` of a FIX rule ({args.entries:,} events: each member is "
        "created on first sight, each event books one lot).",
        f"- {seed['accepted']:,} events accepted, {seed['failed']:,} failed "
        f"({seed['retries']} request(s) sent again after a lock timeout), in "
        f"{duration(seed['seconds'])}: **{seed['rate']:,.0f} events/s**.",
        f"- Then the database holds {sizes['member']:,} members, {sizes['ledger_entry']:,} "
        f"ledger entries and {sizes['event_log']:,} event logs, "
        f"{sizes['bytes'] / 2**30:.2f} GiB; `{analyze}` took "
        f"{duration(results['analyze_s'])}.",
    ]
    if reduced:
        lines.append(
            f"- Projected seeding time at the full {full_entries:,} events and this rate: "
            f"**{duration(full_entries / max(seed['rate'], 1e-9))}**."
        )
    lines += [
        "",
        "## Hot paths: big database ÷ small database",
        "",
        *throughput_rows(results["small"], results["big"]),
        "",
        "## `flask --app app ledger verify` over the big data",
        "",
        f"- **{verify['seconds']:.1f} s** (goal < {GOAL_VERIFY_S:.0f} s: {verdict}), exit "
        f"code {verify['code']}: {verify['last']}",
    ]
    small = results["verify_small"]
    lines.append(
        f"- On the small database, before seeding: {small['seconds']:.1f} s (exit code "
        f"{small['code']}), mostly starting Python and the app."
    )
    if reduced:
        projected = verify_projection(small["seconds"], verify["seconds"], scale)
        lines.append(
            f"- Projected to {full_entries:,} entries (the difference from the small run "
            f"× {scale:.0f}, plus the start-up): about **{duration(projected)}**; a rough "
            "figure, since the invariants are grouped scans whose cost grows at least "
            "linearly with the rows."
        )
    return "\n".join([*lines, ""])
