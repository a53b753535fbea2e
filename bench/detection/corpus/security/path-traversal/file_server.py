"""Upload and download endpoints for the document portal (Flask)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOAD_DIR = os.environ.get("UPLOAD_DIR", "/srv/portal/uploads")
UPLOAD_ROOT = Path(UPLOAD_DIR).resolve()


@app.get("/files/<path:filename>")
def download(filename: str):
    """Download a previously uploaded document."""
    # expect: path-traversal
    return send_file(os.path.join(UPLOAD_DIR, filename), as_attachment=True)


@app.get("/v2/files/<path:filename>")
def download_v2(filename: str):
    # ok: path-traversal -- send_from_directory uses safe_join
    return send_from_directory(UPLOAD_DIR, filename, as_attachment=True)


@app.get("/preview")
def preview():
    """Text preview of a document: ``/preview?name=report.txt``."""
    name = request.args.get("name", "")
    # expect: path-traversal @preview
    path = os.path.join(UPLOAD_DIR, name)
    # expect: path-traversal @preview
    with open(path, encoding="utf-8", errors="replace") as fh:
        return {"name": name, "head": fh.read(2000)}


@app.get("/v2/preview")
def preview_v2():
    """Preview that refuses anything resolving outside the upload directory."""
    name = request.args.get("name", "")
    target = (UPLOAD_ROOT / name).resolve()
    if not target.is_relative_to(UPLOAD_ROOT):
        abort(404)
    # ok: path-traversal -- resolved and checked against the root above
    with target.open(encoding="utf-8", errors="replace") as fh:
        return {"name": name, "head": fh.read(2000)}


@app.post("/upload")
def upload():
    """Store an uploaded document under its original name."""
    file = request.files["document"]
    # expect: path-traversal
    file.save(os.path.join(UPLOAD_DIR, file.filename))
    return {"stored": file.filename}, 201


@app.post("/v2/upload")
def upload_v2():
    file = request.files["document"]
    name = secure_filename(file.filename or "")
    if not name:
        abort(400)
    # ok: path-traversal -- secure_filename strips separators and dots
    file.save(os.path.join(UPLOAD_DIR, name))
    return {"stored": name}, 201


@app.delete("/files/<name>")
def delete(name: str):
    """Delete a document (flat namespace, so only the base name is used)."""
    # ok: path-traversal -- basename drops any directory components
    target = os.path.join(UPLOAD_DIR, os.path.basename(name))
    Path(target).unlink(missing_ok=True)
    return "", 204


@app.get("/users/<int:user_id>/avatar")
def avatar(user_id: int):
    """Avatar image; the size variant comes from the query string."""
    size = request.args.get("size", "128")
    # expect: path-traversal
    return send_file(f"/srv/portal/avatars/{user_id}/{size}.png", mimetype="image/png")


@app.get("/themes/<theme>.css")
def theme_css(theme: str):
    base = Path("/srv/portal/themes")
    # expect: path-traversal
    css = (base / f"{theme}.css").read_text(encoding="utf-8")
    return css, 200, {"Content-Type": "text/css"}
