"""Product catalog service: search, facets, bulk price export (FastAPI + SQLAlchemy 2.0).

The storefront calls ``/search`` on every keystroke, so the hot path avoids the ORM where it
matters; the admin endpoints use the ORM.
"""

from __future__ import annotations

import importlib
import io
import logging
from string import Template
from typing import Annotated, Literal

import pandas as pd
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, literal_column, select, text
from sqlalchemy.orm import Session, sessionmaker

from .models import Category, Product

log = logging.getLogger(__name__)

engine: Engine = create_engine("postgresql+psycopg:///catalog", pool_size=10)
SessionLocal = sessionmaker(engine, expire_on_commit=False)
# expect: stacktrace-disclosure -- Starlette's debug mode renders tracebacks for every 500
app = FastAPI(title="catalog", debug=True)

SORT_COLUMNS = {"name": Product.name, "price": Product.price_cents, "newest": Product.created_at}
EXPORTERS = {"csv": "catalog.exporters.csv_export", "xlsx": "catalog.exporters.xlsx_export"}
FACET_SQL = Template("SELECT $column AS value, count(*) AS n FROM products WHERE category_id = :cat GROUP BY 1")


def get_session():
    with SessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_session)]


class BulkQuery(BaseModel):
    skus: list[str]
    # ok: mutable-default-arg -- pydantic copies field defaults per instance
    fields: list[Literal["sku", "name", "price_cents", "stock"]] = ["sku", "price_cents"]


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # ok: stacktrace-disclosure -- pydantic's error list is meant for the client
    return JSONResponse({"detail": exc.errors()}, status_code=422)


@app.exception_handler(Exception)
async def unhandled(request: Request, exc: Exception):
    log.exception("unhandled error on %s", request.url.path)
    # expect: stacktrace-disclosure -- database errors carry SQL, table and constraint names
    return JSONResponse({"detail": f"{type(exc).__name__}: {exc}"}, status_code=500)


@app.get("/search")
def search(db: DB, q: Annotated[str, Query(min_length=1, max_length=80)], limit: int = 20):
    # ok: sql-injection -- the f-string builds the bound value, not the SQL
    stmt = select(Product.id, Product.name).where(Product.name.ilike(f"%{q}%")).limit(min(limit, 100))
    return [dict(r._mapping) for r in db.execute(stmt)]


@app.get("/search/fast")
def search_fast(db: DB, q: Annotated[str, Query(min_length=1)], limit: int = 20):
    # expect: sql-injection
    rows = db.execute(text(f"SELECT id, name FROM products WHERE search_vector @@ plainto_tsquery('{q}') LIMIT {int(limit)}"))
    return [dict(r._mapping) for r in rows]


@app.get("/search/prefix")
def search_prefix(db: DB, q: Annotated[str, Query(min_length=1)]):
    # ok: sql-injection -- bindparams
    stmt = text("SELECT id, name FROM products WHERE name ILIKE :pattern ORDER BY name LIMIT 20").bindparams(pattern=f"{q}%")
    return [dict(r._mapping) for r in db.execute(stmt)]


@app.get("/categories/{cat_id}/products")
def category_products(db: DB, cat_id: int, sort: str = "name", desc: bool = False):
    column = SORT_COLUMNS.get(sort, Product.name)
    # ok: sql-injection -- sort column picked from a dict of ORM columns
    stmt = select(Product).where(Product.category_id == cat_id).order_by(column.desc() if desc else column).limit(200)
    return [{"id": p.id, "name": p.name} for p in db.scalars(stmt)]


@app.get("/categories/{cat_id}/products/legacy")
def category_products_legacy(db: DB, cat_id: int, sort: str = "name"):
    # expect: sql-injection -- text() inside order_by is raw SQL from the query string
    stmt = select(Product).where(Product.category_id == cat_id).order_by(text(sort)).limit(200)
    return [{"id": p.id, "name": p.name} for p in db.scalars(stmt)]


@app.get("/categories/{cat_id}/facets/{attribute}")
def facets(db: DB, cat_id: int, attribute: str):
    # expect: sql-injection @facet -- Template.substitute is string pasting too
    sql = FACET_SQL.substitute(column=attribute)
    # expect: sql-injection @facet
    return [dict(r._mapping) for r in db.execute(text(sql), {"cat": cat_id})]


@app.get("/categories/{cat_id}/facets")
def known_facets(db: DB, cat_id: int, attribute: Literal["brand", "color", "size"] = "brand"):
    # ok: sql-injection -- Literal[...] limits the column to three names
    sql = FACET_SQL.substitute(column=attribute)
    return [dict(r._mapping) for r in db.execute(text(sql), {"cat": cat_id})]


@app.post("/bulk")
def bulk(db: DB, body: Annotated[BulkQuery, Body()]):
    # expect: sql-injection @bulk -- quoting by hand: a sku containing ' breaks out
    in_list = "'" + "','".join(body.skus) + "'"
    columns = ", ".join(body.fields)
    # expect: sql-injection @bulk
    frame = pd.read_sql(f"SELECT {columns} FROM products WHERE sku IN ({in_list})", engine)
    return frame.to_dict(orient="records")


@app.post("/bulk/v2")
def bulk_v2(db: DB, body: Annotated[BulkQuery, Body()]):
    # ok: sql-injection -- Literal-validated column names; values bound as an array
    cols = [literal_column(f) for f in body.fields]
    stmt = select(*cols).select_from(Product.__table__).where(Product.sku.in_(body.skus))
    return [dict(r._mapping) for r in db.execute(stmt)]


@app.get("/export/{fmt}")
def export(db: DB, fmt: Literal["csv", "xlsx"], category: int | None = None):
    # ok: code-injection -- the module name comes from a fixed table
    exporter = importlib.import_module(EXPORTERS[fmt])
    stmt = select(Product.sku, Product.name, Product.price_cents, Product.stock)
    if category is not None:
        stmt = stmt.where(Product.category_id == category)
    # expect: unbounded-materialization -- the whole catalog in memory on every export request
    frame = pd.read_sql(stmt, engine)
    # ok: code-injection -- constant expression for pandas
    frame = frame.assign(stock_value_cents=frame.eval("price_cents * stock"))
    buf = io.BytesIO()
    exporter.write(frame, buf)
    buf.seek(0)
    return StreamingResponse(buf, media_type=exporter.MEDIA_TYPE)


@app.get("/admin/products/filter")
def admin_filter(db: DB, expr: str):
    """Power-user filter box in the admin UI, e.g. ``price_cents > 1000 and stock == 0``."""
    frame = pd.read_sql(select(Product.sku, Product.price_cents, Product.stock).limit(50_000), engine)
    # expect: code-injection -- DataFrame.query evaluates the string as a Python expression
    return frame.query(expr, engine="python").to_dict(orient="records")


@app.get("/admin/categories/{cat_id}/count")
def category_count(db: DB, cat_id: int, table: str = "products"):
    tables = {"products": "products", "archived": "products_archive"}
    # ok: sql-injection -- the table name is looked up, never taken from the request
    return db.execute(text("SELECT count(*) FROM %s WHERE category_id = :cat" % tables.get(table, "products")), {"cat": cat_id}).scalar_one()


@app.get("/admin/categories")
def all_categories(db: DB):
    # ok: unbounded-materialization -- a few hundred categories
    return [{"id": c.id, "name": c.name} for c in db.scalars(select(Category).order_by(Category.name))]
