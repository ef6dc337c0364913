"""Exports (streamed CSV) and the member import with its dry run."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.data import ExportForm, ImportForm
from loyalty_portal.admin.helpers import admin_actor, read_text_upload
from loyalty_portal.extensions import db
from loyalty_portal.services.analytics import dashboard, exports, imports
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.ledger.history import day_range
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.account_links import account_links
from loyalty_portal.web.forms import show_errors, submit
from loyalty_portal.web.templating import program_zone


@bp.get("/data")
def data() -> str:
    return render_template(
        "admin/data/index.html", export_form=ExportForm(), import_form=ImportForm(), report=None
    )


@bp.post("/exports")
def export() -> Response | tuple[str, int]:
    form = ExportForm()
    if form.validate_on_submit():
        try:
            start, end = day_range(form.start.data, form.end.data, program_zone())
        except ValidationFailed as exc:
            show_errors(form, exc, "start")
        else:
            kind = form.kind.data
            now = utcnow()
            audit.record(
                db.session,
                admin_actor(),
                "data.export",
                "data",
                kind,
                now=now,
                after={"from": str(form.start.data or ""), "to": str(form.end.data or "")},
            )
            name = f"{kind}-{now.astimezone(program_zone()):%Y%m%d-%H%M}.csv"
            rows = exports.stream_csv(db.session, kind, start, end)
            return Response(
                stream_with_context(rows),
                mimetype="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="{name}"',
                    "Cache-Control": "no-store",
                },
            )
    page = render_template(
        "admin/data/index.html", export_form=form, import_form=ImportForm(), report=None
    )
    return page, 400


def _chosen_file(form: ImportForm) -> str | None:
    """The file just chosen, else the one a dry run kept; None (and why) when neither."""
    if form.file.data:
        form.kept_name.data = form.file.data.filename or "members.csv"
        return read_text_upload(form.file)
    if form.kept_file.data:
        return str(form.kept_file.data)
    form.file.errors = ["Choose a file."]
    return None


@bp.post("/imports/members")
def import_members() -> str:
    form = ImportForm()
    report = None
    text = _chosen_file(form) if form.validate_on_submit() else None
    if text is not None:
        dry_run = "import" not in request.form
        report = submit(
            form,
            lambda: imports.import_members(
                db.session,
                text,
                actor=admin_actor(),
                now=utcnow(),
                dry_run=dry_run,
                links=account_links(),
            ),
            field="file",
            validate=False,
        ).value
        if report is not None and (report.dry_run or not report.ok):
            db.session.rollback()  # a dry run, or a file with errors, changes nothing
        elif report is not None:
            dashboard.counts_changed(db.session)
        keep = report is not None and report.dry_run and report.ok
        form.kept_file.data = text if keep else ""
        form.kept_name.data = form.kept_name.data if keep else ""
    return render_template(
        "admin/data/index.html", export_form=ExportForm(), import_form=form, report=report
    )
