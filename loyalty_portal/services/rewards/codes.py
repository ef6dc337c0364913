"""Coupon codes: generated ones, and pre-made pools uploaded as CSV (duplicates reported)."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from loyalty_portal.models import CouponCode, Offer
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_code() -> str:
    """A coupon code that is easy to read out: XXXX-XXXX-XXXX, no 0/O or 1/I."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


MAX_CODES = 100_000
_CHUNK = 500


@dataclass
class CodeUpload:
    """What an upload did: codes added, and every line it skipped with the reason."""

    added: int = 0
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)


def read_codes(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(line, code) pairs from the first column; a `code` header and blank lines are skipped."""
    codes: list[tuple[int, str]] = []
    invalid: list[tuple[int, str]] = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        value = (row[0] if row else "").strip()
        if not value or (line == 1 and value.lower() == "code"):
            continue
        if len(value) > 128:
            invalid.append((line, f"{value[:20]}…: longer than 128 characters"))
        else:
            codes.append((line, value))
    return codes, invalid


def add_codes(
    session: DbSession, offer: Offer, text: str, *, actor: Actor, now: datetime
) -> CodeUpload:
    """Add the file's codes to the offer's pool; repeated or known codes are reported."""
    if offer.fulfilment != "pool":
        raise ValidationFailed(
            "Codes can only be uploaded for an offer fulfilled from a code pool.",
            details={"file": ["this offer does not use a code pool"]},
        )
    codes, invalid = read_codes(text)
    if not codes and not invalid:
        raise ValidationFailed(
            "The file has no codes: put one code per line in the first column.",
            details={"file": ["no codes"]},
        )
    if len(codes) > MAX_CODES:
        raise ValidationFailed(
            f"At most {MAX_CODES:,} codes per file.", details={"file": ["too many codes"]}
        )
    result = CodeUpload(invalid=invalid)
    seen: set[str] = set()
    fresh: list[tuple[int, str]] = []
    for line, code in codes:
        if code in seen:
            result.duplicates.append((line, f"{code}: repeated in the file"))
        else:
            seen.add(code)
            fresh.append((line, code))
    known = _known_codes(session, offer.id, [c for _, c in fresh])
    new_rows = []
    for line, code in fresh:
        if code in known:
            result.duplicates.append((line, f"{code}: already in the pool"))
        else:
            new_rows.append({"offer_id": offer.id, "code": code, "created_at": now})
    for start in range(0, len(new_rows), _CHUNK):
        _insert_ignore(session, new_rows[start : start + _CHUNK])
    result.added = len(new_rows)
    result.duplicates.sort()
    if result.added:
        audit.record(
            session,
            actor,
            "offer.codes_upload",
            "offer",
            offer.id,
            now=now,
            after={"added": result.added, "skipped": len(result.duplicates) + len(invalid)},
        )
    session.flush()
    return result


def _known_codes(session: DbSession, offer_id: str, codes: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        known.update(
            session.scalars(
                select(CouponCode.code).where(
                    CouponCode.offer_id == offer_id, CouponCode.code.in_(chunk)
                )
            )
        )
    return known


def _insert_ignore(session: DbSession, rows: list[dict[str, object]]) -> None:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(CouponCode).on_conflict_do_nothing(index_elements=["offer_id", "code"])
    session.execute(stmt, rows)


def pool_counts(session: DbSession, offer_ids: list[str]) -> dict[str, tuple[int, int]]:
    """{offer_id: (free codes, all codes)} for code-pool offers."""
    if not offer_ids:
        return {}
    rows = session.execute(
        select(
            CouponCode.offer_id,
            func.count().filter(CouponCode.redemption_id.is_(None)),
            func.count(),
        )
        .where(CouponCode.offer_id.in_(offer_ids))
        .group_by(CouponCode.offer_id)
    ).all()
    return {offer_id: (int(free), int(total)) for offer_id, free, total in rows}
