"""CSV/JSON exports for the back office (Django)."""

from __future__ import annotations

import csv
import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from .models import Customer, Order


class Echo:
    """File-like object whose write() returns the value, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def export_orders_json(request: HttpRequest) -> JsonResponse:
    """All orders as one JSON document."""
    # expect: unbounded-materialization
    orders = list(Order.objects.select_related("customer").all())
    return JsonResponse({"orders": [o.as_dict() for o in orders]})


def export_orders_csv(request: HttpRequest) -> StreamingHttpResponse:
    """All orders as CSV, streamed row by row."""
    writer = csv.writer(Echo())
    # ok: unbounded-materialization -- iterator() streams from the database in chunks
    rows = (writer.writerow([o.id, o.total_cents, o.status]) for o in Order.objects.iterator(chunk_size=2000))
    return StreamingHttpResponse(rows, content_type="text/csv")


def recent_orders(request: HttpRequest) -> JsonResponse:
    # ok: unbounded-materialization -- sliced to 100 rows in SQL
    orders = list(Order.objects.order_by("-created_at")[:100])
    return JsonResponse({"orders": [o.as_dict() for o in orders]})


def newsletter_recipients(request: HttpRequest) -> JsonResponse:
    """E-mail addresses of every customer who opted in."""
    # expect: unbounded-materialization
    emails = list(Customer.objects.filter(newsletter=True).values_list("email", flat=True))
    return JsonResponse({"count": len(emails), "emails": emails})


def newsletter_count(request: HttpRequest) -> JsonResponse:
    # ok: unbounded-materialization -- COUNT(*) in the database
    return JsonResponse({"count": Customer.objects.filter(newsletter=True).count()})


def ledger_dump(request: HttpRequest) -> HttpResponse:
    """Raw ledger rows for the auditors."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, account, amount_cents, booked_at FROM ledger ORDER BY id")
        # expect: unbounded-materialization
        rows = cursor.fetchall()
    body = json.dumps([list(r) for r in rows], default=str)
    return HttpResponse(body, content_type="application/json")


def ledger_dump_streamed(request: HttpRequest) -> StreamingHttpResponse:
    def generate():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, account, amount_cents, booked_at FROM ledger ORDER BY id")
            while True:
                # ok: unbounded-materialization -- fixed-size batches
                batch = cursor.fetchmany(5000)
                if not batch:
                    break
                yield "".join(f"{r[0]},{r[1]},{r[2]},{r[3]}\n" for r in batch)

    return StreamingHttpResponse(generate(), content_type="text/csv")


def status_totals(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM orders GROUP BY status")
        # ok: unbounded-materialization -- one row per status value
        totals = dict(cursor.fetchall())
    return JsonResponse(totals)


def customer_ids_with_orders() -> set[int]:
    """Used by the churn job to find customers who ever ordered."""
    # expect: unbounded-materialization
    return {o.customer_id for o in Order.objects.all()}
