"""Account management views (Django)."""

from __future__ import annotations

import logging
import os
import sys
import traceback

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.views.decorators.http import require_POST
from django.views.debug import ExceptionReporter

from .services import change_email, delete_account, export_account

logger = logging.getLogger(__name__)

# ok: stacktrace-disclosure -- debug mode only when explicitly enabled in the environment
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"


@require_POST
def update_email(request: HttpRequest) -> JsonResponse:
    try:
        change_email(request.user, request.POST["email"])
    except ValidationError as exc:
        # ok: stacktrace-disclosure -- validation messages are meant for the user
        return JsonResponse({"errors": exc.messages}, status=400)
    except Exception as exc:
        logger.exception("email change failed")
        # expect: stacktrace-disclosure
        return JsonResponse({"error": f"{exc.__class__.__name__}: {exc}"}, status=500)
    return JsonResponse({"ok": True})


@require_POST
def close_account(request: HttpRequest) -> HttpResponse:
    try:
        delete_account(request.user)
    except Exception:
        logger.exception("account deletion failed")
        # expect: stacktrace-disclosure
        return HttpResponseServerError(traceback.format_exc(), content_type="text/plain")
    return HttpResponse(status=204)


def download_export(request: HttpRequest) -> HttpResponse:
    try:
        archive = export_account(request.user)
    except Exception:
        logger.exception("export failed for user %s", request.user.pk)
        if settings.DEBUG:
            reporter = ExceptionReporter(request, *sys.exc_info())
            # ok: stacktrace-disclosure -- only when settings.DEBUG is on (local development)
            return HttpResponseServerError(reporter.get_traceback_html())
        return HttpResponseServerError("Export failed; support has been notified.")
    return HttpResponse(archive, content_type="application/zip")


def export_status(request: HttpRequest) -> JsonResponse:
    try:
        archive = export_account(request.user, dry_run=True)
    except Exception as exc:
        logger.exception("export dry run failed")
        # expect: stacktrace-disclosure @status
        err = {"message": str(exc), "args": [repr(a) for a in exc.args]}
        # expect: stacktrace-disclosure @status
        return JsonResponse({"ready": False, "error": err}, status=500)
    return JsonResponse({"ready": True, "size": len(archive)})
