"""One-off CLI that creates the database roles and the first admin user.

    python bootstrap_db.py --host db.internal --admin-email ops@example.com
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import secrets

import paramiko
import psycopg2
from psycopg2 import sql

# Commit sha of the schema snapshot this script was written against.
# ok: hardcoded-secret -- a git commit id is public, not a credential
SCHEMA_REVISION = "a64cb14028d512c9791e558e08baa7196b50ac2f"

# expect: hardcoded-secret
DEPLOY_KEY = """-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDk2mX0Lq3hS1vFZb9cWmH7tY0pQe8rN4uJd6aK2fG1sAAAAJhGc4wuRnOM
LgAAAAtzc2gtZWQyNTUxOQAAACDk2mX0Lq3hS1vFZb9cWmH7tY0pQe8rN4uJd6aK2fG1sA
-----END OPENSSH PRIVATE KEY-----"""


def connect_admin(host: str, password: str | None = None):
    """Connect as the bootstrap superuser."""
    # ok: hardcoded-secret -- password typed in at the prompt
    password = password or getpass.getpass("postgres password: ")
    return psycopg2.connect(host=host, user="postgres", password=password, dbname="postgres",
                            connect_timeout=10)


def connect_app(host: str):
    """Connect as the application role to verify the grants."""
    # expect: hardcoded-secret
    return psycopg2.connect(host=host, user="billing_app", password="Xk9$mQ2vLr7!pZ", dbname="billing",
                            connect_timeout=10)


# expect: hardcoded-secret
def create_role(cur, name: str, password: str = "Welcome2024!") -> None:
    """Create a login role (defaults are for the staging cluster)."""
    cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)), (password,))


def create_admin(cur, email: str) -> str:
    """Create the first admin user with a random password and print it once."""
    # ok: hardcoded-secret -- generated at runtime
    initial_password = secrets.token_urlsafe(16)
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", initial_password.encode(), salt, 600_000)
    cur.execute(
        "INSERT INTO users (email, password_hash, salt, is_admin) VALUES (%s, %s, %s, true)",
        (email, digest.hex(), salt.hex()),
    )
    return initial_password


def push_backup(host: str) -> None:
    """Copy the bootstrap log to the backup host over SFTP."""
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    # ok: hardcoded-secret -- empty string is "no password" (key auth from the agent)
    client.connect(host, username="backup", password="", timeout=15)
    try:
        client.open_sftp().put("bootstrap.log", "/backups/bootstrap.log")
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("PGHOST", "localhost"))
    parser.add_argument("--admin-email", required=True)
    args = parser.parse_args()
    conn = connect_admin(args.host)
    try:
        with conn, conn.cursor() as cur:
            create_role(cur, "billing_app")
            print("initial admin password:", create_admin(cur, args.admin_email))
    finally:
        conn.close()


if __name__ == "__main__":
    main()
