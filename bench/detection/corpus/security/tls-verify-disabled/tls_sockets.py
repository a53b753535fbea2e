"""Low-level TLS plumbing for the device-management agent and the SMTP relay."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl

import aiohttp


def device_context() -> ssl.SSLContext:
    """TLS context for talking to managed devices (they ship self-signed certificates)."""
    ctx = ssl.create_default_context()
    # expect: tls-verify-disabled @dev
    ctx.check_hostname = False
    # expect: tls-verify-disabled @dev
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def device_context_pinned(cafile: str) -> ssl.SSLContext:
    """Context that trusts only the device-fleet CA."""
    ctx = ssl.create_default_context(cafile=cafile)
    # ok: tls-verify-disabled -- CERT_REQUIRED is the secure setting
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def open_device_channel(host: str, port: int = 8883) -> ssl.SSLSocket:
    raw = socket.create_connection((host, port), timeout=10)
    # ok: tls-verify-disabled -- default context verifies
    return ssl.create_default_context().wrap_socket(raw, server_hostname=host)


async def poll_device(host: str) -> dict:
    """Poll a device's REST API."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # expect: tls-verify-disabled
        async with session.get(f"https://{host}/api/status", ssl=False) as resp:
            return await resp.json()


async def poll_device_verified(host: str, ctx: ssl.SSLContext) -> dict:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # ok: tls-verify-disabled -- passes a verifying context
        async with session.get(f"https://{host}/api/status", ssl=ctx) as resp:
            return await resp.json()


def send_report(relay: str, sender: str, to: str, body: str) -> None:
    """Send the nightly report through the office relay."""
    with smtplib.SMTP(relay, 587, timeout=30) as smtp:
        # expect: tls-verify-disabled
        smtp.starttls(context=ssl._create_unverified_context())
        smtp.sendmail(sender, [to], body)


async def open_stream(host: str, port: int):
    """Raw TLS stream used by the telemetry forwarder."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_default_certs()
    # expect: tls-verify-disabled
    ctx.check_hostname = False
    return await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx), timeout=10)
