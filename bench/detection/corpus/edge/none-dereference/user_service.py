"""User lookups for the Flask account service (Flask-SQLAlchemy)."""

from __future__ import annotations

from flask import Flask, jsonify, request

from .models import Team, User, db

app = Flask(__name__)


@app.get("/users/lookup")
def lookup():
    """Find a user id by e-mail."""
    # expect: none-dereference
    email = request.args.get("email").strip().lower()
    user = User.query.filter_by(email=email).first()
    if user is None:
        return jsonify({"error": "not found"}), 404
    return jsonify({"id": user.id})


@app.get("/users/search")
def search():
    # ok: none-dereference -- default "" for a missing parameter
    term = request.args.get("q", "").strip()
    users = User.query.filter(User.name.ilike(f"%{term}%")).limit(20).all()
    return jsonify([u.name for u in users])


@app.get("/users/<int:user_id>")
def get_user(user_id: int):
    # ok: none-dereference -- get_or_404 never returns None
    user = db.get_or_404(User, user_id)
    return jsonify({"id": user.id, "name": user.name})


@app.get("/users/<int:user_id>/team")
def user_team(user_id: int):
    user = db.get_or_404(User, user_id)
    # expect: none-dereference
    team_name = db.session.get(Team, user.team_id).name
    return jsonify({"team": team_name})


@app.post("/users/<int:user_id>/promote")
def promote(user_id: int):
    """Make a user the owner of their team."""
    user = db.get_or_404(User, user_id)
    # expect: none-dereference @owner
    owner = User.query.filter_by(team_id=user.team_id, role="owner").first()
    # expect: none-dereference @owner
    owner.role = "member"
    user.role = "owner"
    db.session.commit()
    return "", 204


@app.get("/users/<int:user_id>/settings")
def user_settings(user_id: int):
    user = db.get_or_404(User, user_id)
    prefs = user.preferences or {}
    # expect: none-dereference
    theme = prefs.get("display").get("theme", "light")
    # ok: none-dereference -- default {} for the nested dict
    lang = prefs.get("locale", {}).get("language", "en")
    return jsonify({"theme": theme, "language": lang})


@app.get("/teams/<slug>")
def team_by_slug(slug: str):
    # ok: none-dereference -- one() raises instead of returning None
    team = Team.query.filter_by(slug=slug).one()
    return jsonify({"id": team.id, "name": team.name})
