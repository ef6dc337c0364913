"""The pure helpers of `make bench-scale` (bench/scale.py, bench/scale_report.py): how the
seed spreads events over members, and the ratios and projections SCALE.md reports."""

from __future__ import annotations

import math
from collections import Counter

from bench import scale, scale_report


def test_seed_covers_every_event_once_in_chunks() -> None:
    chunks = list(scale.seed_chunks(1_050, 500))
    assert chunks == [(0, 500), (500, 1_000), (1_000, 1_050)]


def test_seed_gives_every_member_its_share_and_starts_with_new_members() -> None:
    members, entries = 2_000, 10_000
    per_member = Counter(scale.user_of(i, members) for i in range(entries))
    assert len(per_member) == members
    assert set(per_member.values()) == {entries // members}
    assert scale.user_of(0, members) == "bench-1001"  # not one `make bench` seeded


def test_concurrent_chunks_touch_disjoint_members() -> None:
    members, size, senders = 20_000, 500, 4
    window = [scale.user_of(i, members) for i in range(7_000, 7_000 + size * senders)]
    assert len(set(window)) == len(window)


def _wrk(requests: int, seconds: float = 10.0) -> dict[str, object]:
    return {"requests": requests, "duration_us": seconds * 1e6, "label": "x"}


def test_batch_throughput_counts_events_and_ratios_are_big_over_small() -> None:
    small = {"ceiling": _wrk(1_000), "batch": _wrk(10)}
    big = {"ceiling": _wrk(500), "batch": _wrk(8)}
    assert scale_report.rate(small["batch"], "batch") == 100.0  # 1 req/s x 100 events
    assert scale_report.ratio_of(small, big, "batch") == 0.8
    assert scale_report.ratio_of(small, big, "ceiling") == 0.5
    assert math.isnan(scale_report.ratio_of(small, {"batch": _wrk(0)}, "ceiling"))
    assert math.isnan(scale_report.ratio_of({"batch": _wrk(0)}, big, "batch"))


def test_verify_projection_scales_only_the_data_bound_part() -> None:
    assert scale_report.verify_projection(3.0, 5.0, 50) == 103.0
    assert scale_report.verify_projection(3.0, 2.5, 50) == 3.0  # noise: never below start-up


def test_durations_read_naturally() -> None:
    assert scale_report.duration(42) == "42 s"
    assert scale_report.duration(750) == "12.5 min"
    assert scale_report.duration(3.4 * 3600) == "3.4 h"
