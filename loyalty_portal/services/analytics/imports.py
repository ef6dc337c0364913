"""CSV import of members with opening balances (and, from an `email` column, logins).

Every row is checked first; a dry run (or any bad row) reports every problem and
writes nothing. A clean file creates each member and credits the opening balance
through `adjustments.adjust`, so it is an ordinary ledger entry with its reason.
Files come as spreadsheets write them: `,`, `;` (German Excel) or tab between cells,
headers in any case, and the members export (its extra columns are ignored) imports as is.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from loyalty_portal.models import Account, Member, UserGroup
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.ledger.adjustments import MAX_ADJUSTMENT
from loyalty_portal.services.members import account_mail, accounts, members
from loyalty_portal.services.members.account_mail import AccountLinks
from loyalty_portal.services.members.members import USER_ID_PATTERN

COLUMNS = ("userId", "name", "email", "balance", "groups")
# Columns of the members export that an import recomputes instead of reading.
IGNORED = ("lifetimePoints", "tier", "createdAt")
_CANONICAL = {name.lower(): name for name in COLUMNS + IGNORED}
DELIMITERS = (",", ";", "\t")
_FORMULA_GUARD = ("'=", "'+", "'-", "'@")
MAX_ROWS = 50_000
OPENING_REASON = "Opening balance (import)"


@dataclass(frozen=True)
class ImportRow:
    line: int
    user_id: str
    name: str | None
    balance: int
    groups: tuple[str, ...]
    email: str | None = None


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def points(self) -> int:
        return sum(r.balance for r in self.rows)

    @property
    def logins(self) -> int:
        return sum(1 for r in self.rows if r.email)


def sniff_delimiter(text: str) -> str:
    """The cell separator the header line uses most (`,` when it has none)."""
    first = text.split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (first.count(d), d == ","))


def _unguard(value: str) -> str:
    """Undo the export's formula guard ('=..., '-...) so a re-import reads the original."""
    return value[1:] if value.startswith(_FORMULA_GUARD) else value


def check(session: DbSession, text: str) -> ImportReport:
    """Read and check every row; nothing is written."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    raw_header = [h.strip() for h in reader.fieldnames or []]
    header = [_CANONICAL.get(h.lower(), h) for h in raw_header]
    if "userId" not in header:
        report.problems.append((1, "The first line must name the columns, including userId."))
        return report
    if unknown := [h for h in header if h not in _CANONICAL.values()]:
        report.problems.append((1, f"Unknown column(s): {', '.join(unknown)}."))
    reader.fieldnames = header
    seen: dict[str, int] = {}
    emails: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if len(report.rows) + len(report.problems) > MAX_ROWS:
            report.problems.append((line, f"More than {MAX_ROWS:,} rows; split the file."))
            break
        row = _check_row(line, raw, seen, report)
        if row is not None:
            row = _check_email(row, raw, emails, report)
        if row is not None:
            report.rows.append(row)
    _check_against_database(session, report)
    report.problems.sort()
    return report


def _check_row(
    line: int, raw: dict[str, str | None], seen: dict[str, int], report: ImportReport
) -> ImportRow | None:
    if None in raw:
        report.problems.append((line, "More cells than columns."))
        return None
    user_id = (raw.get("userId") or "").strip()
    name = _unguard((raw.get("name") or "").strip()) or None
    balance_text = (raw.get("balance") or "").strip() or "0"
    group_text = (raw.get("groups") or "").replace(",", ";").replace("|", ";")
    groups = tuple(g.strip() for g in group_text.split(";") if g.strip())
    problems: list[str] = []
    if not USER_ID_PATTERN.fullmatch(user_id):
        problems.append("userId must be 1 to 128 letters, digits or _ . @ : + -")
    elif user_id in seen:
        problems.append(f"userId {user_id} is also on line {seen[user_id]}")
    else:
        seen[user_id] = line
    if name and len(name) > 120:
        problems.append("name is longer than 120 characters")
    balance = 0
    try:
        balance = int(balance_text)
    except ValueError:
        problems.append(f"balance {balance_text!r} is not a whole number")
    else:
        if balance < 0 or balance > MAX_ADJUSTMENT:
            problems.append(f"balance must be 0 to {MAX_ADJUSTMENT:,}")
    if problems:
        report.problems.extend((line, p) for p in problems)
        return None
    return ImportRow(line, user_id, name, balance, groups)


def _check_email(
    row: ImportRow, raw: dict[str, str | None], seen: dict[str, int], report: ImportReport
) -> ImportRow | None:
    """The row's login address, normalised; invalid or repeated ones are problems."""
    text = (raw.get("email") or "").strip()
    if not text:
        return row
    try:
        email = accounts.normalise_email(text)
    except ValidationFailed as exc:
        report.problems.append((row.line, f"email {text}: {exc.message}"))
        return None
    if email in seen:
        report.problems.append((row.line, f"email {email} is also on line {seen[email]}"))
        return None
    seen[email] = row.line
    return ImportRow(row.line, row.user_id, row.name, row.balance, row.groups, email)


def _taken(session: DbSession, column: Any, values: list[str]) -> set[str]:
    """Which of `values` already appear in `column`, looked up in batches."""
    found: set[str] = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _check_against_database(session: DbSession, report: ImportReport) -> None:
    """Taken userIds and emails and unknown groups, looked up in batches."""
    taken = _taken(session, Member.user_id, [r.user_id for r in report.rows])
    logins = _taken(session, func.lower(Account.email), [r.email for r in report.rows if r.email])
    wanted = {g for r in report.rows for g in r.groups}
    known = set(session.scalars(select(UserGroup.id).where(UserGroup.id.in_(wanted))))
    good = []
    for row in report.rows:
        bad = [f"userId {row.user_id} already exists"] if row.user_id in taken else []
        if row.email in logins:
            bad.append(f"email {row.email} already has a login")
        bad += [f"unknown user group {g}" for g in row.groups if g not in known]
        if bad:
            report.problems.extend((row.line, p) for p in bad)
        else:
            good.append(row)
    report.rows = good


def import_members(
    session: DbSession,
    text: str,
    *,
    actor: Actor,
    now: datetime,
    dry_run: bool,
    links: AccountLinks | None = None,
) -> ImportReport:
    """Check the file; unless it is a dry run and every row is good, create the members.

    A row with an email also gets a member login with an unguessable password; with
    `links` the address is mailed a welcome link to choose its own.
    """
    report = check(session, text)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    for row in report.rows:
        member = members.create_member(session, row.user_id, now, row.name, welcome=False)
        if row.email:
            login = accounts.create_member_login(
                session, row.email, secrets.token_urlsafe(24), now, user_id=row.user_id
            )
            if links is not None:
                account_mail.send_reset_link(session, login, links, now, welcome=True)
        if row.groups:
            members.join_groups(session, member, list(row.groups))
        if row.balance:
            adjustments.adjust(
                session,
                member,
                row.balance,
                reason=OPENING_REASON,
                actor=actor,
                now=now,
                title="Opening balance",
            )
        report.created += 1
    audit.record(
        session,
        actor,
        "data.import",
        "data",
        "members",
        now=now,
        after={"members": report.created, "points": report.points, "logins": report.logins},
    )
    session.flush()
    return report
