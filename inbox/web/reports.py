"""Admin report pages, and the same figures as JSON and CSV.

``/admin/reports/<name>?start=YYYY-MM-DD&end=YYYY-MM-DD&tz=Area/City`` renders the page;
``.json`` and ``.csv`` (with ``table=<name>``) return the same data for other tools.
"""
from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from inbox import reports
from inbox.reports.output import Report
from inbox.web.admin_auth import admin_required

bp = Blueprint("reports", __name__)


def report_titles() -> dict[str, str]:
    return {"sla": _("SLA attainment"), "response_times": _("Response times"), "promises": _("Promises"),
            "satisfaction": _("Satisfaction"), "volume": _("Volume")}


def ticket_url(ticket_id: int) -> str:
    """The page agents open a ticket on; the API view until the workspace has one."""
    for endpoint in ("workspace.ticket", "workspace.show_ticket"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, ticket_id=ticket_id)
    return url_for("api.show_ticket", ticket_id=ticket_id)


def _build(name: str) -> Report:
    if name not in reports.BUILDERS:
        abort(404)
    try:
        rng = reports.ReportRange.parse(
            request.args.get("start"), request.args.get("end"), request.args.get("tz"),
            default_tz=getattr(current_user, "timezone", None) or current_app.config["INBOX_DEFAULT_TIMEZONE"],
        )
    except reports.RangeError as error:
        abort(Response(str(error), 400, mimetype="text/plain"))
    return reports.build(name, rng)


@bp.get("/")
@admin_required
def index():
    return redirect(url_for("reports.show", name="sla", **request.args))


@bp.get("/<name>")
@admin_required
def show(name: str):
    report = _build(name)
    return render_template("reports/report.html", report=report, data=report.as_dict(), titles=report_titles(),
                           tables_by_name={t.name: t for t in report.tables},
                           charted_tables={c.table for c in report.charts},
                           ticket_url=ticket_url, zones=sorted(available_timezones()))


@bp.get("/<name>.json")
@admin_required
def as_json(name: str):
    report = _build(name)
    data = report.as_dict()
    for table in data["tables"].values():
        if table["ticket_column"] is not None:
            table["ticket_urls"] = [ticket_url(row[table["ticket_column"]]) for row in table["rows"]]
    return jsonify(data)


@bp.get("/<name>.csv")
@admin_required
def as_csv(name: str):
    report = _build(name)
    table = report.table(request.args.get("table") or report.tables[0].name) if report.tables else None
    if table is None:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(cell) for cell in row] for row in table.rows)
    filename = f"kept-{report.name}-{table.name}-{report.range.first}-{report.range.last}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _csv_cell(value: Any) -> Any:
    # Customer comments end up in spreadsheets: a leading = + - @ would run as a formula there
    # (OWASP "CSV Injection"), so text cells starting with one are quoted with an apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.app_template_filter("report_value")
def report_value(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit == "s":
        return duration(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"
