"""Support chat bot: answers order questions in the team chat (aiohttp + asyncio)."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import time
from email.message import EmailMessage

import asyncpg
import psycopg2
from aiohttp import web

DSN = "postgresql://bot@db.internal/orders"


class OrderBot:
    def __init__(self) -> None:
        self.pg = psycopg2.connect(DSN, connect_timeout=5)
        self.pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(DSN, command_timeout=5)

    async def order_status(self, order_id: int) -> str:
        with self.pg.cursor() as cur:
            # expect: blocking-in-async
            cur.execute("SELECT status FROM orders WHERE id = %s", (order_id,))
            row = cur.fetchone()
        return row[0] if row else "unknown"

    async def order_status_v2(self, order_id: int) -> str:
        # ok: assert-for-validation -- internal invariant established by start()
        assert self.pool is not None
        # ok: blocking-in-async -- asyncpg is asynchronous
        row = await self.pool.fetchrow("SELECT status FROM orders WHERE id = $1", order_id)
        return row["status"] if row else "unknown"

    async def escalate(self, order_id: int, note: str) -> None:
        msg = EmailMessage()
        msg["To"], msg["From"], msg["Subject"] = "support@example.com", "bot@example.com", f"Order {order_id}"
        msg.set_content(note)
        # expect: blocking-in-async
        with smtplib.SMTP("mail.internal", 25, timeout=10) as smtp:
            smtp.send_message(msg)

    async def escalate_v2(self, order_id: int, note: str) -> None:
        def _send() -> None:
            msg = EmailMessage()
            msg["To"], msg["From"], msg["Subject"] = "support@example.com", "bot@example.com", f"Order {order_id}"
            msg.set_content(note)
            # ok: blocking-in-async -- runs in a worker thread via to_thread below
            with smtplib.SMTP("mail.internal", 25, timeout=10) as smtp:
                smtp.send_message(msg)
            time.sleep(0.1)

        await asyncio.to_thread(_send)

    async def ping_printer(self, host: str) -> bool:
        """Check that the label printer answers on its raw port."""
        # expect: blocking-in-async @printer
        sock = socket.create_connection((host, 9100), timeout=3)
        try:
            # expect: blocking-in-async @printer
            sock.sendall(b"~HS")
            # expect: blocking-in-async @printer
            return bool(sock.recv(64))
        finally:
            sock.close()

    async def ping_printer_v2(self, host: str) -> bool:
        # ok: blocking-in-async -- asyncio streams
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, 9100), timeout=3)
        try:
            writer.write(b"~HS")
            await writer.drain()
            return bool(await asyncio.wait_for(reader.read(64), timeout=3))
        finally:
            writer.close()
            await writer.wait_closed()


async def handle(request: web.Request) -> web.Response:
    bot: OrderBot = request.app["bot"]
    order_id = int(request.query["order"])
    return web.json_response({"status": await bot.order_status_v2(order_id)})


async def console(bot: OrderBot) -> None:
    """Interactive console for the on-call engineer."""
    while True:
        # expect: blocking-in-async
        line = input("order id> ")
        if not line:
            break
        print(await bot.order_status_v2(int(line)))
