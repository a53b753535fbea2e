"""E-mail composition and delivery classes for the notification service."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from pydantic import BaseModel


class Mailer:
    """Collects outgoing messages and hands them to a transport."""

    # expect: mutable-default-arg
    def __init__(self, transport, default_headers: dict[str, str] = {"X-Mailer": "notify/2"}) -> None:
        self.transport = transport
        self.default_headers = default_headers

    def add_default_header(self, name: str, value: str) -> None:
        self.default_headers[name] = value

    # expect: mutable-default-arg
    async def send(self, to: str, subject: str, body: str, cc: list[str] = []) -> None:
        cc.append("audit@example.com")
        headers = {**self.default_headers, "Cc": ", ".join(cc)}
        await self.transport.send(to=to, subject=subject, body=body, headers=headers)

    # ok: mutable-default-arg -- None sentinel, new list per call
    async def send_bulk(self, recipients: list[str], subject: str, body: str,
                        bcc: list[str] | None = None) -> None:
        bcc = list(bcc or [])
        for to in recipients:
            await self.transport.send(to=to, subject=subject, body=body,
                                      headers={"Bcc": ", ".join(bcc)})

    # expect: mutable-default-arg
    @classmethod
    def from_settings(cls, settings: dict, overrides: dict = {}) -> "Mailer":
        overrides.setdefault("transport", settings["transport"])
        return cls(overrides["transport"])


@dataclass
class Outbox:
    # ok: mutable-default-arg -- default_factory builds a new list per instance
    pending: list[str] = field(default_factory=list)
    # ok: mutable-default-arg -- default_factory
    failures: collections.Counter = field(default_factory=collections.Counter)


class Template(BaseModel):
    name: str
    # ok: mutable-default-arg -- pydantic copies field defaults per instance
    placeholders: list[str] = []


class RetryQueue:
    # expect: mutable-default-arg
    def __init__(self, queue: collections.deque = collections.deque(maxlen=1000)) -> None:
        self.queue = queue

    def push(self, message_id: str) -> None:
        self.queue.append(message_id)
