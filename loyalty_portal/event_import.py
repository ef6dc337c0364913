"""`flask events import FILE`: JSON lines of POST /v1/event bodies through the batch path.

Lines travel in chunks of `CHUNK` through `services.earning.batches.record_batch` (judged
exactly as single events, written set-based) and each chunk commits on its own, so an
import of millions of lines keeps a bounded transaction and can be resumed by line.
Rejected lines are counted by reason (the API's error codes) for the summary.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from loyalty_portal.api.routes.events import groups_of
from loyalty_portal.api.schemas.requests import EventBody
from loyalty_portal.api.schemas.types import parse_timestamp
from loyalty_portal.extensions import db
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.earning import batches
from loyalty_portal.timeutil import utcnow

CHUNK = 1000
SOURCE = "import"


@dataclass
class ImportSummary:
    accepted: int = 0
    points: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    first_rejects: list[str] = field(default_factory=list)

    def reject(self, line_number: int, reason: str, message: str) -> None:
        self.rejected[reason] += 1
        if len(self.first_rejects) < 10:
            self.first_rejects.append(f"line {line_number}: {reason}: {message}")


def parse_line(text: str) -> batches.BatchItem:
    """One line -> an item; raises ValueError(reason, message) for a malformed line."""
    try:
        payload = json.loads(text)
        body = EventBody.model_validate(payload)
    except json.JSONDecodeError:
        raise ValueError("invalid_json", "not a JSON object") from None
    except ValidationError as exc:
        raise ValueError("validation_error", exc.errors()[0]["msg"]) from None
    if body.userId is None:
        raise ValueError("validation_error", "userId is required")
    metadata = dict(body.metadata)
    try:
        groups = groups_of(metadata)
    except DomainError as exc:
        raise ValueError(exc.code, exc.message) from None
    return batches.BatchItem(
        user_id=body.userId,
        event_id=body.eventId,
        metadata=metadata,
        amount=body.amount,
        occurred_at=parse_timestamp(body.timestamp),
        join_groups=groups,
    )


def import_lines(
    lines: Iterable[str], *, progress: Callable[[int], None] = lambda _n: None
) -> ImportSummary:
    """Import every line (blank lines skipped); `progress(n)` after each chunk."""
    summary = ImportSummary()
    chunk: list[tuple[int, batches.BatchItem]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            chunk.append((number, parse_line(text)))
        except ValueError as exc:
            summary.reject(number, *exc.args)
        if len(chunk) >= CHUNK:
            _flush(chunk, summary)
            progress(len(chunk))
            chunk = []
    if chunk:
        _flush(chunk, summary)
        progress(len(chunk))
    return summary


def _flush(chunk: list[tuple[int, batches.BatchItem]], summary: ImportSummary) -> None:
    results = batches.record_batch(
        db.session, [item for _, item in chunk], now=utcnow(), source=SOURCE, trusted=True
    )
    db.session.commit()
    for (number, _), result in zip(chunk, results, strict=True):
        if result.error is not None:
            summary.reject(number, result.error.code, result.error.message)
        elif result.outcome is not None:
            summary.accepted += 1
            summary.points += result.outcome.points
