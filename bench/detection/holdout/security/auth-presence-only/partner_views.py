"""Partner and internal endpoints (Django + DRF).

Partners authenticate with an API key (``X-Api-Key``), the warehouse scanners with a
per-device token, and our own cron jobs with the internal token.  Staff pages use the normal
Django session.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_POST
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from .forms import StockAdjustmentForm
from .models import ApiKey, Device, Order, StockItem, Subscription

log = logging.getLogger(__name__)

# expect: hardcoded-secret
INTERNAL_TOKEN = "itk_4f9a1c7e2b8d6053a9e1f7c4b2d8e6a0"


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class HasPartnerKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        raw = request.headers.get("X-Api-Key", "")
        # ok: auth-presence-only -- the key is looked up (by hash) and must not be revoked
        return bool(raw) and ApiKey.objects.filter(key_hash=_key_hash(raw), revoked=False).exists()


class HasScannerToken(BasePermission):
    def has_permission(self, request, view) -> bool:
        # expect: auth-presence-only -- any value in the header is accepted
        return "HTTP_X_DEVICE_TOKEN" in request.META


def internal_only(view):
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        provided = request.headers.get("X-Internal-Token", "")
        # ok: auth-presence-only -- compared with the real token
        if not hmac.compare_digest(provided, INTERNAL_TOKEN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def token_required(view):
    """Used by the old scanner firmware that sends ?token=... ."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        token = request.GET.get("token")
        # expect: auth-presence-only -- checks that a token was sent, never which one
        if not token:
            return JsonResponse({"error": "token required"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


class PartnerOrdersView(APIView):
    permission_classes = [HasPartnerKey]

    def get(self, request):
        orders = Order.objects.filter(partner__api_keys__key_hash=_key_hash(request.headers["X-Api-Key"]))[:100]
        return Response([{"id": o.id, "status": o.status} for o in orders])


class ScannerStockView(APIView):
    permission_classes = [HasScannerToken]

    def post(self, request):
        form = StockAdjustmentForm(request.data)
        if not form.is_valid():
            return Response(form.errors, status=400)
        qty = form.cleaned_data["quantity"]
        # expect: assert-for-validation -- stripped under python -O
        assert qty != 0, "quantity must not be zero"
        with transaction.atomic():
            item = StockItem.objects.select_for_update().get(sku=form.cleaned_data["sku"])
            item.on_hand += qty
            item.save(update_fields=["on_hand"])
        return Response({"sku": item.sku, "on_hand": item.on_hand})


class DeviceStatusView(View):
    def get(self, request: HttpRequest, device_id: int):
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        # expect: auth-presence-only -- "Bearer anything" passes
        if not auth.startswith("Bearer "):
            return JsonResponse({"error": "unauthorized"}, status=401)
        device = Device.objects.filter(pk=device_id).values("id", "last_seen", "battery").first()
        if device is None:
            return JsonResponse({"error": "not found"}, status=404)
        return JsonResponse(device)


class DeviceConfigView(View):
    def get(self, request: HttpRequest, device_id: int):
        token = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        # ok: auth-presence-only -- the token must belong to this device
        if not Device.objects.filter(pk=device_id, token_hash=_key_hash(token)).exists():
            return JsonResponse({"error": "unauthorized"}, status=401)
        return JsonResponse({"device": device_id, "config": settings.SCANNER_DEFAULTS})


@internal_only
@require_POST
def expire_subscriptions(request: HttpRequest):
    n = Subscription.objects.filter(active=True, ends_at__lt=timezone.now()).update(active=False)
    return JsonResponse({"expired": n})


@token_required
def scanner_ping(request: HttpRequest):
    return JsonResponse({"pong": True})


@login_required
def staff_dashboard(request: HttpRequest):
    # expect: assert-for-validation -- the only staff check on this page
    assert request.user.is_staff
    return JsonResponse({"open_orders": Order.objects.filter(status="open").count()})


@login_required
def staff_export(request: HttpRequest):
    # ok: assert-for-validation -- a real check
    if not request.user.is_staff:
        raise PermissionDenied
    return JsonResponse({"queued": True})


def beta_features(request: HttpRequest):
    # expect: auth-presence-only -- the cookie is trusted because it exists
    if request.COOKIES.get("beta_tester") is not None:
        return JsonResponse({"features": ["new-checkout", "bulk-edit"]})
    return JsonResponse({"features": []})


def preview_features(request: HttpRequest):
    try:
        # ok: auth-presence-only -- signed cookie, verified and time-limited
        flags = signing.loads(request.COOKIES.get("preview", ""), salt="preview-flags", max_age=86400)
    except signing.BadSignature:
        flags = []
    return JsonResponse({"features": flags})


def account_home(request: HttpRequest):
    # ok: auth-presence-only -- Django sessions are server-side; the key exists only after login
    if not request.session.get("_auth_user_id"):
        return JsonResponse({"error": "login required"}, status=401)
    return JsonResponse({"user": request.session["_auth_user_id"]})


@login_required
@require_POST
def subscribe(request: HttpRequest, plan: str):
    # expect: race-toctou -- a double click creates two subscriptions
    if not Subscription.objects.filter(user=request.user, plan=plan, active=True).exists():
        Subscription.objects.create(user=request.user, plan=plan, active=True)
    return JsonResponse({"plan": plan})


@login_required
@require_POST
def subscribe_v2(request: HttpRequest, plan: str):
    try:
        # ok: race-toctou -- unique constraint (user, plan) decides, not a prior read
        sub, created = Subscription.objects.get_or_create(user=request.user, plan=plan, defaults={"active": True})
    except IntegrityError:
        sub, created = Subscription.objects.get(user=request.user, plan=plan), False
    return JsonResponse({"plan": sub.plan, "created": created})


@login_required
def cancel_order(request: HttpRequest, order_id: int):
    order = Order.objects.get(pk=order_id)
    # expect: assert-for-validation -- ownership check by assert
    assert order.customer_id == request.user.id, "not your order"
    order.status = "cancelled"
    order.save(update_fields=["status"])
    return JsonResponse({"id": order.id, "status": order.status})
