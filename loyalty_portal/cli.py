"""`flask --app app ...` commands. Each command is one unit of work and commits once."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from loyalty_portal.extensions import db
from loyalty_portal.models.enums import ApiScope
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.ledger import expiry, hold_expiry, pending
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.members import accounts, api_keys
from loyalty_portal.services.members.tokens import issue_member_token
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import plural

api_key_cli = AppGroup("api-key", help="Create, list and revoke API keys.")
points_cli = AppGroup("points", help="Program-wide points jobs (run them from cron).")
ledger_cli = AppGroup("ledger", help="Check the ledger.")
tiers_cli = AppGroup("tiers", help="Tier jobs.")
events_cli = AppGroup("events", help="Bulk event ingest.")

CLI_ACTOR = Actor.system("cli")


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(exc.message)


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.password_option(help="Prompted (twice) when omitted.")
def create_admin(email: str, password: str) -> None:
    """Create an administrator login."""
    try:
        account = accounts.create_admin(db.session, email, password)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Admin {account.email} created.")


@click.command("create-member")
@with_appcontext
@click.argument("email")
@click.option("--user-id", help="Link to this existing (or new) userId.")
@click.option("--name", "display_name", help="Display name.")
@click.password_option(help="Prompted (twice) when omitted.")
def create_member(email: str, user_id: str | None, display_name: str | None, password: str) -> None:
    """Create a member and their login."""
    try:
        account = accounts.create_member_login(
            db.session, email, password, utcnow(), user_id=user_id, display_name=display_name
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    assert account.member is not None
    click.echo(f"Member {account.email} created (userId {account.member.user_id}).")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", help="Password for every demo login (default: random).")
@click.option(
    "--logins-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo logins in this file (mode 600) and print them on later runs.",
)
def seed_demo(password: str | None, logins_file: Path | None) -> None:
    """Seed the demo program when the database is empty (idempotent) and print the logins."""
    from loyalty_portal.demo import seed

    logins = seed(db.session, utcnow(), password=password)
    if logins is None:
        db.session.rollback()
        click.echo("The database already holds a program; nothing seeded.")
        if logins_file and logins_file.exists():
            click.echo(logins_file.read_text().rstrip())
        return
    db.session.commit()
    text = "Demo logins:\n" + "\n".join(f"  {r:<7} {e:<22} {p}" for r, e, p in logins)
    if logins_file:
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.touch(mode=0o600)
        logins_file.write_text(text + "\n")
    click.echo("Demo program seeded.")
    click.echo(text)


@click.command("token")
@with_appcontext
@click.argument("user_id")
@click.option(
    "--ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(1, 31 * 86400),
    help="Lifetime in seconds.",
)
def token(user_id: str, ttl: int) -> None:
    """Print a member JWT for USER_ID, signed as an integrator's backend would."""
    program = load_program(db.session)
    db.session.rollback()
    click.echo(issue_member_token(user_id, current_app.config["API_SECRET"], program, ttl=ttl))


@api_key_cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([s.value for s in ApiScope]),
    help="Repeat for several scopes.",
)
def api_key_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key; it is printed once and never shown again."""
    try:
        key, plain = api_keys.create(db.session, name, list(scopes), CLI_ACTOR, utcnow())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"API key {key.id} ({key.name}, scopes: {', '.join(key.scopes)}):")
    click.echo(plain)
    click.echo("Store it now: it cannot be shown again.", err=True)


@api_key_cli.command("list")
def api_key_list() -> None:
    """List keys with their scopes and last use."""
    keys = api_keys.list_keys(db.session)
    db.session.rollback()
    if not keys:
        click.echo("No API keys yet. Create one with `flask api-key create NAME --scope read`.")
    for key in keys:
        state = "revoked" if key.revoked_at else "active"
        used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
        click.echo(
            f"{key.id:>4}  {key.prefix}…  {key.name:<24} {','.join(key.scopes):<28} "
            f"{state:<8} last used {used}"
        )


@api_key_cli.command("revoke")
@click.argument("key")
def api_key_revoke(key: str) -> None:
    """Revoke KEY (its id or its prefix)."""
    try:
        record = api_keys.revoke(db.session, api_keys.find(db.session, key), CLI_ACTOR, utcnow())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"API key {record.id} ({record.name}) revoked.")


@points_cli.command("expire")
def points_expire() -> None:
    """Release due pending points, expire every lot past its date, settle expired holds.
    Idempotent."""
    now = utcnow()
    released = pending.release_all_due(db.session, now, load_program(db.session))
    members, points = expiry.expire_all_due(db.session, now)
    holds = hold_expiry.expire_all_due_holds(db.session, now)
    db.session.commit()
    click.echo(
        f"Expired {plural(points, 'point')} of {plural(members, 'member')}; released "
        f"{plural(released, 'pending point')}; settled the expired holds of "
        f"{plural(holds, 'member')}."
    )


@points_cli.command("birthdays")
def points_birthdays() -> None:
    """Pay today's birthday rewards (program time zone; once per member per year)."""
    from loyalty_portal.services.members import birthdays

    paid, points = birthdays.award_birthdays(db.session, utcnow())
    db.session.commit()
    click.echo(f"Birthday rewards: {plural(points, 'point')} to {plural(paid, 'member')}.")


@tiers_cli.command("recompute")
def tiers_recompute() -> None:
    """Recompute every member's tier from the trailing window (run nightly)."""
    program = load_program(db.session)
    changed = tiers.recompute_all(db.session, utcnow(), program.tier_window_days)
    db.session.commit()
    click.echo(f"{plural(changed, 'member')} changed tier.")


@ledger_cli.command("verify")
def ledger_verify() -> None:
    """Recompute every ledger invariant; exit 1 and list the drift if any."""
    problems = verify(db.session)
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo(f"DRIFT: {problem}", err=True)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("Ledger OK: balances, lots, stock, limits, redemptions and sources all agree.")


@click.command("purge-idempotency")
@with_appcontext
def purge_idempotency() -> None:
    """Delete idempotency records older than the retention window."""
    hours = current_app.config["IDEMPOTENCY_TTL_HOURS"]
    removed = idempotency.purge(db.session, utcnow() - timedelta(hours=hours))
    db.session.commit()
    click.echo(f"Removed {removed:,} idempotency records older than {hours} hours.")


@events_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def events_import(file: Path) -> None:
    """Import JSON lines of POST /v1/event bodies (judged as single events, written in bulk)."""
    from loyalty_portal.event_import import import_lines

    size = file.stat().st_size
    with file.open("rb") as raw, click.progressbar(
        length=size, label="Importing events", file=sys.stderr
    ) as bar:
        position = 0

        def advance(_count: int) -> None:
            nonlocal position
            bar.update(raw.tell() - position)
            position = raw.tell()

        lines = (line.decode("utf-8", errors="replace") for line in raw)
        summary = import_lines(lines, progress=advance)
    click.echo(f"{summary.accepted:,} events imported, {summary.points:,} points awarded.")
    if summary.rejected:
        click.echo(f"{sum(summary.rejected.values()):,} lines rejected:", err=True)
        for reason, count in summary.rejected.most_common():
            click.echo(f"  {reason}: {count:,}", err=True)
        for line in summary.first_rejects:
            click.echo(f"  e.g. {line}", err=True)


def register_commands(app: Flask) -> None:
    for command in (create_admin, create_member, seed_demo, token, purge_idempotency):
        app.cli.add_command(command)
    for group in (api_key_cli, points_cli, ledger_cli, tiers_cli, events_cli):
        app.cli.add_command(group)
