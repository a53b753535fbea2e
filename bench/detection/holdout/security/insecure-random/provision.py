"""provision -- operator commands for onboarding customers.

    python -m ops.provision create-user alice@example.com --role admin
    python -m ops.provision invite --org acme --count 20
    python -m ops.provision audit-sample --size 50
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import random
import secrets
import sqlite3
import string
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
import typer

log = logging.getLogger("provision")
app = typer.Typer(help="Customer onboarding operations")

DSN = os.environ.get("PROVISION_DSN", "postgresql:///atlas")
PASSWORD_CHARS = string.ascii_letters + string.digits + "!@#%^*-_"
ROLES = ("viewer", "editor", "admin")


# expect: hardcoded-secret -- every account created without --password gets this one
def create_account(email: str, role: str = "viewer", password: str = "Welcome2024!") -> int:
    with psycopg.connect(DSN) as conn:
        row = conn.execute(
            "INSERT INTO users (email, role, password_hash) VALUES (%s, %s, crypt(%s, gen_salt('bf'))) RETURNING id",
            (email, role, password),
        ).fetchone()
    return row[0]


@app.command("create-user")
def create_user(email: str, role: str = typer.Option("viewer"), notify: bool = True) -> None:
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    # expect: insecure-random -- a temporary password from random.sample
    temp_password = "".join(random.sample(PASSWORD_CHARS, 14))
    user_id = create_account(email, role, temp_password)
    typer.echo(f"created user {user_id} ({email}, {role})")
    if notify:
        log.info("temporary password sent to %s", email)


@app.command("create-service-user")
def create_service_user(name: str) -> None:
    # ok: insecure-random -- SystemRandom draws from os.urandom
    password = "".join(random.SystemRandom().choice(PASSWORD_CHARS) for _ in range(32))
    user_id = create_account(f"{name}@svc.atlas.internal", "editor", password)
    typer.echo(f"service user {user_id}: store the password now, it is not shown again:\n{password}")


@app.command()
def invite(org: str, count: int = 10, out: Path = Path("invites.csv")) -> None:
    rows = []
    for _ in range(count):
        # expect: insecure-random -- uuid1 is a timestamp plus the host's MAC address
        token = uuid.uuid1().hex
        rows.append({"org": org, "token": token, "url": f"https://app.atlas.example.com/join/{token}"})
    with psycopg.connect(DSN) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO invites (org, token) VALUES (%(org)s, %(token)s)", rows)
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["org", "token", "url"])
        writer.writeheader()
        writer.writerows(rows)
    typer.echo(f"{count} invites written to {out}")


@app.command("invite-v2")
def invite_v2(org: str) -> None:
    # ok: insecure-random -- uuid4 comes from os.urandom
    token = uuid.uuid4().hex
    with psycopg.connect(DSN) as conn:
        conn.execute("INSERT INTO invites (org, token) VALUES (%s, %s)", (org, token))
    typer.echo(token)


@app.command()
def vouchers(campaign: str, count: int = 100) -> None:
    """Single-use 10-digit voucher codes printed on flyers (each worth 20 EUR)."""
    rng = np.random.default_rng()
    # expect: insecure-random -- PCG64 is fast, not unpredictable; codes are bearer value
    codes = [f"{n:010d}" for n in rng.integers(0, 10**10, size=count)]
    with psycopg.connect(DSN) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO vouchers (campaign, code) VALUES (%s, %s)", [(campaign, c) for c in codes])
    typer.echo("\n".join(codes))


@app.command("reset-token")
def reset_token(email: str) -> None:
    # expect: insecure-random -- a hash of the clock is guessable to the second
    token = hashlib.sha256(f"{email}{time.time()}".encode()).hexdigest()
    with psycopg.connect(DSN) as conn:
        conn.execute("UPDATE users SET reset_token = %s WHERE email = %s", (token, email))
    typer.echo(f"https://app.atlas.example.com/reset/{token}")


@app.command("pin")
def kiosk_pin(user_id: int) -> None:
    # expect: insecure-random @pin -- seeded with the user id: the same PIN every time
    random.seed(user_id)
    # expect: insecure-random @pin
    pin = random.randint(1000, 9999)
    typer.echo(f"kiosk PIN for {user_id}: {pin}")


@app.command("audit-sample")
def audit_sample(size: int = 50) -> None:
    with psycopg.connect(DSN) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM users WHERE created_at > now() - interval '30 days' LIMIT 10000")]
    # ok: insecure-random -- picks accounts for a manual QA review
    sample = random.sample(ids, k=min(size, len(ids)))
    typer.echo(" ".join(map(str, sorted(sample))))


@app.command("assign-variants")
def assign_variants(experiment: str) -> None:
    variants = ["control", "new-onboarding", "short-onboarding"]
    # ok: insecure-random -- order of experiment arms
    random.shuffle(variants)
    typer.echo(f"{experiment}: {', '.join(variants)}")


@app.command("seed-demo")
def seed_demo(db_path: Path = Path("demo.sqlite3"), users: int = 200) -> None:
    # ok: insecure-random -- reproducible fake data for the demo database
    rng = random.Random(1234)
    # expect: resource-leak -- the connection is never closed
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "INSERT INTO users (email, plan) VALUES (?, ?)",
        [(f"user{i}@demo.example.com", rng.choice(["free", "pro", "team"])) for i in range(users)],
    )
    conn.commit()
    typer.echo(f"seeded {users} demo users into {db_path}")


@app.command("set-role")
def set_role(email: str, role: str) -> None:
    with psycopg.connect(DSN) as conn:
        # expect: sql-injection
        conn.execute(f"UPDATE users SET role = '{role}' WHERE email = '{email}'")
        # ok: sql-injection
        conn.execute("INSERT INTO audit_log (action, target) VALUES (%s, %s)", ("set-role", email))
    print(f"{email} is now {role}", file=sys.stderr)


@app.command("api-secret")
def api_secret(client: str) -> None:
    # ok: insecure-random
    secret = secrets.token_hex(32)
    with psycopg.connect(DSN) as conn:
        conn.execute("UPDATE api_clients SET secret_hash = %s WHERE name = %s", (hashlib.sha256(secret.encode()).hexdigest(), client))
    typer.echo(secret)


if __name__ == "__main__":
    app()
