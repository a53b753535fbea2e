"""Operations endpoints for the on-call dashboard (FastAPI)."""

from __future__ import annotations

import asyncio
import ipaddress
import shlex

from fastapi import APIRouter, HTTPException, Query

router = APIRouter(prefix="/ops", tags=["ops"])

ALLOWED_SERVICES = {"api", "worker", "scheduler"}


@router.get("/ping")
async def ping(host: str = Query(..., description="host name or IP to ping")) -> dict:
    """Ping a host three times and return the raw output."""
    # expect: command-injection
    proc = await asyncio.create_subprocess_shell(
        f"ping -c 3 {host}", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=15)
    return {"host": host, "output": out.decode()}


@router.get("/ping-ip")
async def ping_ip(ip: str) -> dict:
    """Ping an IP address; the value is parsed as an address first."""
    addr = ipaddress.ip_address(ip)
    # ok: command-injection -- exec form with a validated address
    proc = await asyncio.create_subprocess_exec(
        "ping", "-c", "3", str(addr), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=15)
    return {"ip": str(addr), "output": out.decode()}


@router.get("/dig")
async def dig(name: str, record: str = "A") -> dict:
    """DNS lookup through dig."""
    # expect: command-injection @dig
    command = "dig +short " + record + " " + name
    # expect: command-injection @dig
    proc = await asyncio.create_subprocess_shell(command, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=10)
    return {"answers": out.decode().split()}


@router.post("/restart/{service}")
async def restart(service: str) -> dict:
    """Restart one of the application's systemd units."""
    if service not in ALLOWED_SERVICES:
        raise HTTPException(status_code=404, detail="unknown service")
    # ok: command-injection -- service restricted to an allowlist and quoted
    proc = await asyncio.create_subprocess_shell(f"sudo systemctl restart app-{shlex.quote(service)}")
    await asyncio.wait_for(proc.wait(), timeout=30)
    return {"restarted": service}


@router.get("/logs/{service}")
async def tail_logs(service: str, grep: str = "") -> dict:
    """Last 200 journal lines of a unit, optionally filtered."""
    if service not in ALLOWED_SERVICES:
        raise HTTPException(status_code=404, detail="unknown service")
    cmd = f"journalctl -u app-{service} -n 200 --no-pager"
    if grep:
        # expect: command-injection @grep
        cmd += f" | grep {grep}"
    # expect: command-injection @grep
    proc = await asyncio.create_subprocess_shell(cmd, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=10)
    return {"lines": out.decode().splitlines()}
