"""Django middleware and DRF permissions for the internal tools site."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission


class BearerTokenMiddleware:
    """Blocks API requests that are not authenticated."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            auth = request.META.get("HTTP_AUTHORIZATION", "")
            # expect: auth-presence-only
            if not auth.startswith("Bearer "):
                return JsonResponse({"detail": "authentication required"}, status=401)
        return self.get_response(request)


class StaffOnlyMiddleware:
    """The /ops/ pages are for staff accounts."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # ok: auth-presence-only -- Django's session framework resolved request.user
        if request.path.startswith("/ops/") and not (
            request.user.is_authenticated and request.user.is_staff
        ):
            return JsonResponse({"detail": "staff only"}, status=403)
        return self.get_response(request)


class SessionCookieRequired:
    """Legacy pages: any request with a session cookie is treated as logged in."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # expect: auth-presence-only
        if request.path.startswith("/legacy/") and "sessionid" not in request.COOKIES:
            return JsonResponse({"detail": "login required"}, status=401)
        return self.get_response(request)


class HasServiceToken(BasePermission):
    """DRF permission for service-to-service endpoints."""

    def has_permission(self, request, view) -> bool:
        # expect: auth-presence-only
        return bool(request.headers.get("X-Service-Token"))


class IsTokenAuthenticated(BasePermission):
    """DRF permission that relies on TokenAuthentication having looked the token up."""

    authentication = TokenAuthentication()

    def has_permission(self, request, view) -> bool:
        result = self.authentication.authenticate(request)
        # ok: auth-presence-only -- authenticate() validates the token against the database
        return result is not None and result[0].is_active
