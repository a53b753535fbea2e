"""Notification fan-out worker: e-mail, SMS gateway, partner FTP drop and cache updates."""

from __future__ import annotations

import ftplib
import http.client
import json
import smtplib
from email.message import EmailMessage

import aiohttp
import httpx
import redis


class Notifier:
    def __init__(self, smtp_host: str, sms_host: str, cache_host: str) -> None:
        self.smtp_host = smtp_host
        self.sms_host = sms_host
        # expect: missing-timeout
        self.cache = redis.Redis(host=cache_host, port=6379)
        # ok: missing-timeout -- socket timeouts configured
        self.cache_ro = redis.Redis(host=cache_host, port=6380, socket_timeout=2, socket_connect_timeout=2)

    def email(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["To"], msg["From"], msg["Subject"] = to, "alerts@example.com", subject
        msg.set_content(body)
        # expect: missing-timeout
        with smtplib.SMTP(self.smtp_host, 587) as smtp:
            smtp.starttls()
            smtp.send_message(msg)

    def email_bounded(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["To"], msg["From"], msg["Subject"] = to, "alerts@example.com", subject
        msg.set_content(body)
        # ok: missing-timeout -- timeout argument
        with smtplib.SMTP(self.smtp_host, 587, timeout=20) as smtp:
            smtp.starttls()
            smtp.send_message(msg)

    def sms(self, number: str, text: str) -> int:
        # expect: missing-timeout
        conn = http.client.HTTPSConnection(self.sms_host)
        try:
            conn.request("POST", "/v1/messages", json.dumps({"to": number, "text": text}),
                         {"Content-Type": "application/json"})
            return conn.getresponse().status
        finally:
            conn.close()

    def drop_file(self, host: str, user: str, password: str, local: str) -> None:
        """Upload a report to a partner's FTP drop."""
        # expect: missing-timeout
        with ftplib.FTP(host) as ftp:
            ftp.login(user, password)
            with open(local, "rb") as fh:
                ftp.storbinary(f"STOR {local.rsplit('/', 1)[-1]}", fh)

    def push_webhook(self, url: str, payload: dict) -> int:
        # expect: missing-timeout
        with httpx.Client(timeout=None) as client:
            return client.post(url, json=payload).status_code

    def push_webhook_bounded(self, url: str, payload: dict) -> int:
        # ok: missing-timeout -- explicit httpx timeout
        with httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0)) as client:
            return client.post(url, json=payload).status_code


async def broadcast(urls: list[str], payload: dict) -> list[int]:
    """Post the payload to every subscriber URL."""
    # expect: missing-timeout @bc
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        statuses = []
        for url in urls:
            # expect: missing-timeout @bc
            async with session.post(url, json=payload) as resp:
                statuses.append(resp.status)
        return statuses


async def broadcast_bounded(urls: list[str], payload: dict) -> list[int]:
    # ok: missing-timeout -- total timeout per request
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        statuses = []
        for url in urls:
            async with session.post(url, json=payload) as resp:
                statuses.append(resp.status)
        return statuses
