"""Catalogue views for the storefront (Django)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .models import Product

ALLOWED_ORDERINGS = {
    "price": "price_cents",
    "-price": "-price_cents",
    "newest": "-created_at",
}


@require_GET
def product_search(request: HttpRequest) -> JsonResponse:
    """Full-text-ish search across product names and SKUs."""
    term = request.GET.get("q", "").strip()
    # ok: sql-injection -- ORM lookups are parameterized
    qs = Product.objects.filter(Q(name__icontains=term) | Q(sku__iexact=term))[:25]
    return JsonResponse({"results": [p.as_dict() for p in qs]})


@require_GET
def products_in_category(request: HttpRequest, slug: str) -> JsonResponse:
    """Products in a category, with an optional brand filter."""
    brand = request.GET.get("brand")
    sql = "SELECT * FROM catalog_product WHERE category_slug = %s"
    params = [slug]
    if brand:
        sql += " AND brand = %s"
        params.append(brand)
    # ok: sql-injection -- raw() with params
    products = Product.objects.raw(sql + " LIMIT 100", params)
    return JsonResponse({"results": [p.as_dict() for p in products]})


@require_GET
def products_by_tag(request: HttpRequest) -> JsonResponse:
    """Products carrying a tag, via the denormalised tags column."""
    tag = request.GET["tag"]
    # expect: sql-injection
    products = Product.objects.raw(
        f"SELECT * FROM catalog_product WHERE tags @> ARRAY['{tag}'] LIMIT 100"
    )
    return JsonResponse({"results": [p.as_dict() for p in products]})


@require_GET
def cheapest_in_region(request: HttpRequest) -> JsonResponse:
    """Sort products by the regional price, which lives in a JSON column."""
    region = request.GET.get("region", "eu")
    # expect: sql-injection
    qs = Product.objects.extra(select={"regional": f"prices->>'{region}'"}).order_by("regional")
    return JsonResponse({"results": [p.as_dict() for p in qs[:25]]})


@require_GET
def sorted_products(request: HttpRequest) -> JsonResponse:
    """Product list with a caller-selected ordering."""
    key = request.GET.get("sort", "newest")
    ordering = ALLOWED_ORDERINGS.get(key, "-created_at")
    # ok: sql-injection -- ordering comes from a fixed mapping
    qs = Product.objects.order_by(ordering)[:50]
    return JsonResponse({"results": [p.as_dict() for p in qs]})


@require_GET
def discount_annotation(request: HttpRequest) -> JsonResponse:
    """Annotate each product with the price after a percentage discount."""
    pct = request.GET.get("pct", "10")
    # expect: sql-injection
    qs = Product.objects.annotate(discounted=RawSQL(f"price_cents * (100 - {pct}) / 100", []))
    return JsonResponse({"results": [p.as_dict() for p in qs[:50]]})


@require_GET
def discount_annotation_safe(request: HttpRequest) -> JsonResponse:
    """Same annotation with the percentage bound as a parameter."""
    pct = int(request.GET.get("pct", "10"))
    # ok: sql-injection -- RawSQL with params
    qs = Product.objects.annotate(discounted=RawSQL("price_cents * (100 - %s) / 100", [pct]))
    return JsonResponse({"results": [p.as_dict() for p in qs[:50]]})


def stock_levels(warehouse_codes: list[str]) -> dict[str, int]:
    """Current stock per warehouse, used by the nightly replenishment job."""
    # expect: sql-injection @wh
    quoted = ", ".join(f"'{code}'" for code in warehouse_codes)
    with connection.cursor() as cursor:
        # expect: sql-injection @wh
        cursor.execute(
            "SELECT warehouse, sum(qty) FROM stock WHERE warehouse IN (" + quoted + ") "
            "GROUP BY warehouse"
        )
        return dict(cursor.fetchall())


def stock_levels_safe(warehouse_codes: list[str]) -> dict[str, int]:
    """Parameterized variant of :func:`stock_levels`."""
    with connection.cursor() as cursor:
        # ok: sql-injection -- list bound as one array parameter
        cursor.execute(
            "SELECT warehouse, sum(qty) FROM stock WHERE warehouse = ANY(%s) GROUP BY warehouse",
            [warehouse_codes],
        )
        return dict(cursor.fetchall())
