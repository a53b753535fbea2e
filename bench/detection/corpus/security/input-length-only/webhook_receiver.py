"""Receives callbacks from the payment provider and the shipping partner (Django)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

from .models import Shipment
from .tasks import apply_payment_event

PAYMENT_SECRET = os.environ["PAYMENT_WEBHOOK_SECRET"].encode()


@csrf_exempt
def payment_webhook(request: HttpRequest) -> HttpResponse:
    """Payment provider callback; signed with HMAC-SHA256 in ``X-Signature``."""
    signature = request.headers.get("X-Signature", "")
    # expect: input-length-only
    if len(signature) != 64:
        return HttpResponseForbidden("bad signature")
    apply_payment_event(json.loads(request.body))
    return HttpResponse(status=204)


@csrf_exempt
def payment_webhook_v2(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("X-Signature", "")
    expected = hmac.new(PAYMENT_SECRET, request.body, hashlib.sha256).hexdigest()
    # ok: input-length-only -- the signature is compared, not just measured
    if len(signature) != 64 or not hmac.compare_digest(signature, expected):
        return HttpResponseForbidden("bad signature")
    apply_payment_event(json.loads(request.body))
    return HttpResponse(status=204)


class TrackingForm(forms.Form):
    """Shipping partner posts tracking updates with this form encoding."""

    # ok: input-length-only -- RegexField restricts the characters
    tracking_number = forms.RegexField(regex=r"^[A-Z0-9]{10,22}$")
    # expect: input-length-only
    tracking_url = forms.CharField(max_length=500)
    # ok: input-length-only -- free-text note shown escaped in the admin
    note = forms.CharField(max_length=1000, required=False)

    def clean_carrier_code(self) -> str:
        code = self.data.get("carrier_code", "")
        # expect: input-length-only
        if len(code) > 10:
            raise forms.ValidationError("carrier code too long")
        return code


@csrf_exempt
def tracking_update(request: HttpRequest) -> HttpResponse:
    form = TrackingForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    shipment = Shipment.objects.get(tracking_number=form.cleaned_data["tracking_number"])
    shipment.tracking_url = form.cleaned_data["tracking_url"]
    shipment.carrier_template = f"carriers/{form.clean_carrier_code()}.html"
    shipment.save()
    return HttpResponse(status=204)
