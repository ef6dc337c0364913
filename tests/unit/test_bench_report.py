"""`make bench`'s report (bench/report.py): rounds combine into one rate per endpoint, and
the goal ratios are also given for each round, each against its own round's ceiling."""

from __future__ import annotations

from typing import Any

from bench import report


def _wrk(requests: int, p50_ms: float = 1.0) -> dict[str, Any]:
    return {
        "label": "x",
        "requests": requests,
        "duration_us": 10e6,
        "p50_us": p50_ms * 1000,
        "p99_us": p50_ms * 2000,
        "non_2xx": 1,
        "socket_errors": 0,
    }


def _round(ceiling: int, points: int, batch: int) -> dict[str, Any]:
    return {"ceiling": _wrk(ceiling), "points": _wrk(points, 3.0), "batch": _wrk(batch)}


def test_rounds_combine_into_the_rate_over_all_of_them() -> None:
    both = report.combined(
        [
            _round(10_000, 3_500, 100),
            _round(
                12_000,
                3_000,
                120,
            ),
        ]
    )
    assert both["points"]["requests"] == 6_500 and both["points"]["duration_us"] == 20e6
    assert both["points"]["p50_us"] == 3_000 and both["ceiling"]["non_2xx"] == 2


def test_each_round_is_judged_against_its_own_ceiling() -> None:
    rounds = [_round(10_000, 3_500, 100), _round(12_000, 3_000, 120)]
    lines = report.ratios({"rounds": rounds, "scenarios": report.combined(rounds)})
    assert lines[0].endswith("| each round |")
    assert "| points ÷ ceiling | 0.30 | >= 0.35 | 0.35, 0.25 |" in lines
    assert "| batch ingest, events/s | 1,100 | >= 10,000 | 1,000, 1,200 |" in lines


def test_one_round_reports_without_a_rounds_column() -> None:
    lines = report.ratios({"scenarios": _round(10_000, 3_500, 100)})
    assert lines[0] == "| ratio | measured | goal (PostgreSQL) |"
    assert "| points ÷ ceiling | 0.35 | >= 0.35 |" in lines
