"""Sign-up and profile endpoints (Flask)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, abort, jsonify, redirect, render_template, request

from .models import User, db

app = Flask(__name__)
HOME_ROOT = Path("/srv/app/homes")
USERNAME_RE = re.compile(r"[a-z0-9_]{3,30}")


def validate_username(username: str) -> str:
    """Usernames are 3-30 characters."""
    # expect: input-length-only
    if len(username) < 3 or len(username) > 30:
        raise ValueError("username must be 3-30 characters")
    return username


def validate_username_strict(username: str) -> str:
    # ok: input-length-only -- the pattern fixes the alphabet as well as the length
    if not USERNAME_RE.fullmatch(username):
        raise ValueError("username must be 3-30 lowercase letters, digits or _")
    return username


@app.post("/signup")
def signup():
    data = request.get_json(force=True)
    username = validate_username(data["username"])
    password = data["password"]
    # ok: input-length-only -- a minimum length is the recommended password policy (NIST 800-63B)
    if len(password) < 12:
        abort(400, "password must be at least 12 characters")
    user = User.create(username=username, password=password)
    # expect: path-traversal -- the username was only length-checked
    (HOME_ROOT / username).mkdir(parents=True, exist_ok=True)
    return jsonify({"id": user.id}), 201


@app.post("/profile/bio")
def update_bio():
    bio = request.form.get("bio", "")
    # ok: input-length-only -- free text, escaped when rendered; length is the real limit
    if len(bio) > 500:
        abort(400, "bio is limited to 500 characters")
    User.current().bio = bio
    db.session.commit()
    return render_template("profile.html", user=User.current())


@app.post("/profile/website")
def update_website():
    """Store the personal website shown as a link (``<a href="{{ user.website }}">``)."""
    website = request.form.get("website", "").strip()
    # expect: input-length-only
    if len(website) > 200:
        abort(400, "website URL too long")
    User.current().website = website
    db.session.commit()
    return render_template("profile.html", user=User.current())


@app.get("/login/done")
def after_login():
    """Send the user back where they came from."""
    next_url = request.args.get("next", "/")
    # expect: input-length-only
    if len(next_url) > 2048:
        next_url = "/"
    return redirect(next_url)


@app.get("/login/done-v2")
def after_login_v2():
    next_url = request.args.get("next", "/")
    # ok: input-length-only -- only same-site relative paths are accepted
    if len(next_url) > 2048 or not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"
    return redirect(next_url)


@app.post("/invite")
def invite():
    """Invite a colleague by their company handle."""
    handle = request.form["handle"]
    # ok: input-length-only -- length plus isalnum() restricts the content
    if not (2 <= len(handle) <= 20 and handle.isalnum()):
        abort(400)
    return jsonify({"invited": handle})
