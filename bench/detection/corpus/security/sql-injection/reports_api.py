"""Reporting endpoints for the internal analytics dashboard (Flask + SQLAlchemy)."""

from __future__ import annotations

import sqlite3
from datetime import date

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy import bindparam, create_engine, text

bp = Blueprint("reports", __name__, url_prefix="/reports")

METRICS = {
    "signups": "count(*)",
    "revenue": "sum(amount_cents)",
    "refunds": "sum(refund_cents)",
}


def get_db() -> sqlite3.Connection:
    """Per-request SQLite connection, closed by the teardown handler."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["REPORTS_DB"])
        g.db.row_factory = sqlite3.Row
    return g.db


def _engine():
    return create_engine(current_app.config["WAREHOUSE_URL"], pool_pre_ping=True)


def _date_filter(column: str, start: str, end: str) -> str:
    """Build a BETWEEN clause for the given column."""
    # expect: sql-injection @cohort
    return f"{column} BETWEEN '{start}' AND '{end}'"


@bp.get("/users")
def search_users():
    """Search users by name fragment for the admin autocomplete."""
    term = request.args.get("q", "")
    db = get_db()
    # ok: sql-injection -- LIKE pattern passed as a parameter
    rows = db.execute(
        "SELECT id, name, email FROM users WHERE name LIKE ? ORDER BY name LIMIT 20",
        (f"%{term}%",),
    ).fetchall()
    return jsonify([dict(r) for r in rows])


@bp.get("/users/by-domain")
def users_by_domain():
    """Users whose email belongs to a given domain."""
    domain = request.args["domain"]
    db = get_db()
    # expect: sql-injection
    rows = db.execute(
        "SELECT id, email FROM users WHERE email LIKE '%@{}' LIMIT 100".format(domain)
    ).fetchall()
    return jsonify([dict(r) for r in rows])


@bp.get("/daily")
def daily_metric():
    """Daily totals for one metric between two dates."""
    metric = request.args.get("metric", "signups")
    if metric not in METRICS:
        abort(400, "unknown metric")
    expr = METRICS[metric]
    start = request.args.get("start", date.today().replace(day=1).isoformat())
    end = request.args.get("end", date.today().isoformat())
    # ok: sql-injection -- expression picked from a fixed dict, dates bound as parameters
    stmt = text(
        f"SELECT day, {expr} AS value FROM events WHERE day BETWEEN :start AND :end "
        "GROUP BY day ORDER BY day"
    )
    with _engine().connect() as conn:
        result = conn.execute(stmt, {"start": start, "end": end})
        return jsonify([dict(r._mapping) for r in result])


@bp.get("/cohort")
def cohort():
    """Retention for the cohort that signed up in a date range."""
    start = request.args["start"]
    end = request.args["end"]
    where = _date_filter("signup_date", start, end)
    # expect: sql-injection @cohort
    stmt = text("SELECT user_id, last_seen FROM users WHERE " + where + " LIMIT 5000")
    with _engine().connect() as conn:
        # expect: sql-injection @cohort
        rows = conn.execute(stmt)
        return jsonify([dict(r._mapping) for r in rows])


@bp.get("/table/<name>/count")
def table_count(name: str):
    """Row count of any reporting table (used by the health page)."""
    db = get_db()
    # expect: sql-injection @tbl
    query = "SELECT count(*) FROM %s" % name
    # expect: sql-injection @tbl
    (count,) = db.execute(query).fetchone()
    return jsonify({"table": name, "rows": count})


@bp.get("/teams")
def teams_by_ids():
    """Look up several teams by id: ``/reports/teams?id=1&id=2``."""
    ids = [int(i) for i in request.args.getlist("id")]
    if not ids:
        return jsonify([])
    # ok: sql-injection -- expanding bind parameter
    stmt = text("SELECT id, name FROM teams WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with _engine().connect() as conn:
        return jsonify([dict(r._mapping) for r in conn.execute(stmt, {"ids": ids})])


@bp.post("/saved-queries")
def save_query():
    """Persist a named filter so analysts can re-run it later."""
    body = request.get_json(force=True)
    name = body["name"]
    owner = body["owner"]
    db = get_db()
    # expect: sql-injection
    db.executescript(
        f"INSERT INTO saved_queries (name, owner) VALUES ('{name}', '{owner}');"
    )
    db.commit()
    return jsonify({"saved": name}), 201


@bp.get("/events")
def recent_events():
    """Latest events, optionally for one event type."""
    kind = request.args.get("kind")
    limit = min(int(request.args.get("limit", 50)), 500)
    sql = "SELECT * FROM events"
    params: list[object] = []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    # ok: sql-injection -- only an int is appended; kind is bound
    sql += f" ORDER BY ts DESC LIMIT {limit}"
    rows = get_db().execute(sql, params).fetchall()
    return jsonify([dict(r) for r in rows])
