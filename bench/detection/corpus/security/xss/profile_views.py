"""Public profile pages and a couple of HTML fragments for the Flask front end."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from markupsafe import Markup, escape

from .models import User

app = Flask(__name__)


@app.get("/u/<username>")
def profile(username: str):
    """Render a user's public profile."""
    user = User.query.filter_by(username=username).first_or_404()
    # ok: xss -- template file with autoescaping
    return render_template("profile.html", user=user)


@app.get("/search")
def search():
    """Tiny search results page used by the header search box."""
    q = request.args.get("q", "")
    results = User.query.filter(User.username.ilike(f"%{q}%")).limit(20).all()
    items = "".join(f"<li>{escape(u.username)}</li>" for u in results)
    # expect: xss
    return f"<h2>Results for {q}</h2><ul>{items}</ul>"


@app.get("/search-safe")
def search_safe():
    """Same page with the query escaped."""
    q = request.args.get("q", "")
    results = User.query.filter(User.username.ilike(f"%{q}%")).limit(20).all()
    items = "".join(f"<li>{escape(u.username)}</li>" for u in results)
    # ok: xss -- both interpolations are escaped
    return f"<h2>Results for {escape(q)}</h2><ul>{items}</ul>"


@app.get("/u/<username>/badge")
def badge(username: str):
    """An embeddable HTML badge with the user's display name and bio."""
    user = User.query.filter_by(username=username).first_or_404()
    # expect: xss
    html = Markup(f'<div class="badge"><b>{user.display_name}</b><p>{user.bio}</p></div>')
    return render_template("badge.html", badge=html)


@app.get("/u/<username>/card")
def card(username: str):
    """Same badge built with Markup.format, which escapes its arguments."""
    user = User.query.filter_by(username=username).first_or_404()
    # ok: xss -- Markup.format escapes the arguments
    html = Markup('<div class="badge"><b>{}</b><p>{}</p></div>').format(user.display_name, user.bio)
    return render_template("badge.html", badge=html)


@app.get("/api/u/<username>")
def profile_json(username: str):
    user = User.query.filter_by(username=username).first_or_404()
    # ok: xss -- JSON response
    return jsonify({"username": user.username, "bio": user.bio})


@app.get("/hello")
def hello():
    """Greeting used by the marketing landing page A/B test."""
    name = request.args.get("name", "friend")
    # expect: xss @hello
    greeting = "<p>Hello, " + name + "!</p>"
    # expect: xss @hello
    resp = make_response(greeting)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@app.get("/hello.txt")
def hello_text():
    """Plain-text greeting for the CLI client."""
    name = request.args.get("name", "friend")
    # ok: xss -- served as text/plain
    return Response(f"Hello, {name}!\n", mimetype="text/plain")


@app.errorhandler(404)
def not_found(_err):
    """Friendly 404 that echoes the requested path."""
    # expect: xss
    return f"<h1>Not found</h1><p>No page at {request.path}</p>", 404
