"""Support-desk tools: account lookup, DNS diagnostics, report exports, macro previews.

Used by the support team through the staff site.  Most of the inputs come from tickets and
are pasted in by agents, so they are customer-controlled.
"""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import requests
from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.validators import RegexValidator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from .models import TicketNote

log = logging.getLogger(__name__)

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](-?[a-z0-9])*\.)+[a-z]{2,63}$", re.IGNORECASE)
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,30}$")
REPORTS_DIR = Path(settings.MEDIA_ROOT) / "support-reports"


class AccountLookupForm(forms.Form):
    # expect: input-length-only @user -- max_length is the only rule on a value that reaches SQL
    username = forms.CharField(max_length=30)
    include_closed = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    # ok: input-length-only -- free text, stored through the ORM; length is the right limit
    body = forms.CharField(max_length=2000, widget=forms.Textarea)


class ReportForm(forms.Form):
    # ok: input-length-only -- SlugField also restricts the characters
    name = forms.SlugField(max_length=50)
    customer = forms.CharField(max_length=40, validators=[RegexValidator(r"^[A-Z]{2}\d{6}$")])


class SignatureForm(forms.Form):
    # expect: input-length-only @nick
    nickname = forms.CharField(max_length=24)


@staff_member_required
def account_lookup(request: HttpRequest):
    form = AccountLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    username = form.cleaned_data["username"]
    with connection.cursor() as cur:
        # expect: sql-injection -- max_length=30 is the only rule on username
        # expect: input-length-only @user
        cur.execute(f"SELECT id, email, status FROM accounts WHERE username = '{username}'")
        row = cur.fetchone()
        # ok: sql-injection
        cur.execute("SELECT count(*) FROM tickets WHERE account_username = %s", [username])
        (n_tickets,) = cur.fetchone()
    return JsonResponse({"account": row, "tickets": n_tickets})


@staff_member_required
def dns_check(request: HttpRequest):
    host = request.GET.get("host", "").strip()
    # expect: input-length-only @dig -- RFC length limit, no character check
    if not host or len(host) > 253:
        return JsonResponse({"error": "invalid host"}, status=400)
    # expect: command-injection, input-length-only @dig
    out = subprocess.run(f"dig +short {host} MX", shell=True, capture_output=True, text=True, timeout=10)
    return JsonResponse({"host": host, "mx": out.stdout.split()})


@staff_member_required
def dns_check_v2(request: HttpRequest):
    host = request.GET.get("host", "").strip()
    # ok: input-length-only -- the pattern limits both length and characters
    if not HOSTNAME_RE.fullmatch(host):
        return JsonResponse({"error": "invalid host"}, status=400)
    # ok: command-injection -- argument vector
    out = subprocess.run(["dig", "+short", host, "MX"], capture_output=True, text=True, timeout=10)
    return JsonResponse({"host": host, "mx": out.stdout.split()})


@staff_member_required
def mailbox_size(request: HttpRequest):
    user = request.GET.get("user", "")
    # ok: input-length-only, command-injection -- length and an allowlist pattern
    if len(user) <= 30 and USERNAME_RE.fullmatch(user):
        out = subprocess.run(f"doveadm quota get -u {user}", shell=True, capture_output=True, text=True, timeout=10)
        return JsonResponse({"quota": out.stdout})
    return JsonResponse({"error": "invalid user"}, status=400)


@staff_member_required
@require_POST
def add_note(request: HttpRequest, ticket_id: int):
    form = NoteForm(request.POST)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    note = TicketNote.objects.create(ticket_id=ticket_id, author=request.user, body=form.cleaned_data["body"])
    return JsonResponse({"id": note.id})


@staff_member_required
def download_report(request: HttpRequest):
    form = ReportForm(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    # ok: path-traversal -- slug and pattern-validated parts only
    path = REPORTS_DIR / form.cleaned_data["customer"] / f"{form.cleaned_data['name']}.csv"
    return JsonResponse({"size": path.stat().st_size if path.exists() else 0})


@staff_member_required
def report_preview(request: HttpRequest):
    # expect: path-traversal, input-length-only @rep -- truncating does not remove "../"
    report = request.GET.get("report", "")[:64]
    # expect: path-traversal, input-length-only @rep
    with open(REPORTS_DIR / report, encoding="utf-8") as fh:
        head = fh.read(4096)
    return JsonResponse({"head": head})


@staff_member_required
@require_POST
def replay_callback(request: HttpRequest):
    """Re-sends a failed webhook to the URL the customer registered (pasted from the ticket)."""
    # expect: ssrf, input-length-only @cb -- truncation is the only check on a URL we then fetch
    callback = request.POST.get("callback_url", "")[:2048]
    payload = request.POST.get("payload", "{}")
    # expect: ssrf, input-length-only @cb
    resp = requests.post(callback, data=payload, headers={"Content-Type": "application/json"}, timeout=10)
    return JsonResponse({"status": resp.status_code})


@staff_member_required
def quick_calc(request: HttpRequest):
    """Agents type things like ``49.99*3-10`` to work out partial refunds."""
    expr = request.GET.get("expr", "")
    # expect: code-injection, input-length-only @calc -- "short expressions are harmless"
    if len(expr) > 40:
        return JsonResponse({"error": "expression too long"}, status=400)
    # expect: code-injection, input-length-only @calc
    return JsonResponse({"result": eval(expr)})


@staff_member_required
def signature_preview(request: HttpRequest):
    form = SignatureForm(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    nickname = form.cleaned_data["nickname"]
    # expect: xss -- 24 characters is plenty for <img src=x onerror=...>
    # expect: input-length-only @nick
    html = mark_safe(f"<p>Kind regards,<br><b>{nickname}</b> from Support</p>")
    return HttpResponse(html)


@staff_member_required
@require_POST
def set_agent_password(request: HttpRequest):
    password = request.POST.get("password", "")
    # ok: input-length-only -- a length policy for a password that is only ever hashed
    if len(password) < 12:
        return JsonResponse({"error": "at least 12 characters"}, status=400)
    request.user.set_password(password)
    request.user.save(update_fields=["password"])
    return JsonResponse({"ok": True})
