"""HTTP clients for internal services (some of them behind self-signed certificates)."""

from __future__ import annotations

import argparse
import os
import ssl
import urllib.request

import httpx
import requests
import urllib3

INTERNAL_CA = os.environ.get("INTERNAL_CA_BUNDLE", "/etc/ssl/certs/internal-ca.pem")


class InventoryClient:
    """Client for the inventory service."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        # expect: tls-verify-disabled
        self.session.verify = False
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def stock(self, sku: str) -> int:
        resp = self.session.get(f"{self.base_url}/stock/{sku}", timeout=5)
        resp.raise_for_status()
        return resp.json()["qty"]


class PricingClient:
    """Client for the pricing service, pinned to the internal CA."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        # ok: tls-verify-disabled -- verification against a private CA bundle
        self.session.verify = INTERNAL_CA

    def price(self, sku: str) -> int:
        resp = self.session.get(f"{self.base_url}/price/{sku}", timeout=5)
        resp.raise_for_status()
        return resp.json()["cents"]


def fetch_status(url: str) -> dict:
    """Health endpoint of a legacy appliance."""
    # expect: tls-verify-disabled
    resp = requests.get(url, verify=False, timeout=5)
    return resp.json()


def fetch_status_checked(url: str) -> dict:
    # ok: tls-verify-disabled -- explicit verify=True
    resp = requests.get(url, verify=True, timeout=5)
    return resp.json()


def metrics_client() -> httpx.Client:
    """httpx client for the metrics gateway."""
    # expect: tls-verify-disabled
    return httpx.Client(base_url="https://metrics.internal:8443", verify=False, timeout=10)


def metrics_client_ca() -> httpx.Client:
    ctx = ssl.create_default_context(cafile=INTERNAL_CA)
    # ok: tls-verify-disabled -- verifying context with the private CA
    return httpx.Client(base_url="https://metrics.internal:8443", verify=ctx, timeout=10)


def download_firmware(url: str, dest: str) -> None:
    """Download a firmware image from the device vendor's portal."""
    # expect: tls-verify-disabled @fw
    ctx = ssl._create_unverified_context()
    # expect: tls-verify-disabled @fw
    with urllib.request.urlopen(url, context=ctx, timeout=60) as resp, open(dest, "wb") as fh:
        for chunk in iter(lambda: resp.read(1 << 16), b""):
            fh.write(chunk)


def build_cli() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="inventory admin CLI")
    parser.add_argument("--insecure", action="store_true",
                        help="skip TLS verification (like curl -k); never use in production")
    return parser


def cli_get(url: str, args: argparse.Namespace) -> str:
    """GET used by the admin CLI; verification can be switched off explicitly by the operator."""
    # ok: tls-verify-disabled -- explicit operator opt-in, on by default
    return requests.get(url, verify=not args.insecure, timeout=10).text


def fetch_catalog(url: str) -> dict:
    """Catalog export; honours a CA bundle override from the environment."""
    # ok: tls-verify-disabled -- a CA bundle path or True, never False
    resp = requests.get(url, verify=os.environ.get("REQUESTS_CA_BUNDLE", True), timeout=10)
    resp.raise_for_status()
    return resp.json()


def audit_log_client(base_url: str) -> requests.Session:
    """Session for the audit-log collector (mTLS with a client certificate)."""
    session = requests.Session()
    session.cert = ("/etc/audit/client.crt", "/etc/audit/client.key")
    # ok: tls-verify-disabled -- verification against the private CA, plus a client certificate
    session.verify = INTERNAL_CA
    return session


def legacy_soap_call(url: str, envelope: str) -> str:
    """The billing appliance's SOAP endpoint (certificate expired years ago)."""
    # expect: tls-verify-disabled @soap
    verify_tls = False
    # expect: tls-verify-disabled @soap
    resp = requests.post(url, data=envelope, headers={"Content-Type": "text/xml"}, verify=verify_tls,
                         timeout=30)
    return resp.text
