"""Expense receipts: pulls e-mails from the receipts@ mailbox, parses the vendor's receipt
(HTML mail, PDF text or an XRechnung XML attachment) and files an expense.
"""

from __future__ import annotations

import email
import imaplib
import logging
import mimetypes
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from email.message import Message

from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from .models import Expense, Vendor

log = logging.getLogger(__name__)

IMAP_HOST = os.environ.get("RECEIPTS_IMAP_HOST", "imap.fastmail.com")
TOTAL_RE = re.compile(r"(?:Total|Gesamt|Summe)\s*:?\s*(?:EUR|€)?\s*([\d.,]+)", re.IGNORECASE)
DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
NS = {"ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


@dataclass
class ParsedReceipt:
    vendor: str
    total: Decimal
    issued: date | None
    sender: str


def parse_amount(raw: str) -> Decimal:
    cleaned = raw.replace(".", "").replace(",", ".") if raw.count(",") == 1 else raw.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {raw!r}") from exc


def total_from_text(text: str) -> Decimal:
    # expect: none-dereference -- receipts without a "Total" line
    return parse_amount(TOTAL_RE.search(text).group(1))


def total_from_text_safe(text: str) -> Decimal | None:
    # ok: none-dereference
    m = TOTAL_RE.search(text)
    return parse_amount(m.group(1)) if m else None


def issued_from_text(text: str) -> date | None:
    # ok: none-dereference -- walrus guard
    if m := DATE_RE.search(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    return None


def html_body(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            # expect: none-dereference -- get_payload(decode=True) is None for nested multiparts
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def vendor_from_html(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    if (logo := soup.find("img", alt=True)) is not None:
        # ok: none-dereference -- guarded by the walrus test
        return logo["alt"].strip()
    # expect: none-dereference -- select_one() returns None when the footer is missing
    return soup.select_one("td.footer strong").get_text(strip=True)


def parse_xrechnung(xml_bytes: bytes) -> tuple[str, Decimal, date | None]:
    root = ET.fromstring(xml_bytes)
    # expect: none-dereference -- find() returns None for invoices without a seller name
    vendor = root.find("ubl:AccountingSupplierParty//cbc:RegistrationName", NS).text
    # ok: none-dereference -- findtext with a default never returns None
    total = root.findtext("ubl:LegalMonetaryTotal/cbc:PayableAmount", default="0", namespaces=NS)
    issued = root.findtext("cbc:IssueDate", namespaces=NS)
    return vendor.strip(), Decimal(total), date.fromisoformat(issued) if issued else None


def attachment_kind(part: Message) -> str:
    filename = part.get_filename() or "attachment.bin"
    # expect: none-dereference -- guess_type gives (None, None) for unknown extensions
    return mimetypes.guess_type(filename)[0].split("/")[1]


def attachment_kind_safe(part: Message) -> str:
    # ok: none-dereference -- the content type header always has a value
    return part.get_content_type().split("/")[1]


def sender_of(msg: Message) -> str:
    # expect: none-dereference -- .get() returns None when the header is absent
    return msg.get("From").split("<")[-1].rstrip(">").lower()


def reply_to_of(msg: Message) -> str:
    # ok: none-dereference -- default supplied
    return msg.get("Reply-To", "").strip().lower()


def parse(msg: Message) -> ParsedReceipt:
    for part in msg.walk():
        if part.get_content_type() in {"application/xml", "text/xml"}:
            payload = part.get_payload(decode=True)
            if payload is None:
                continue
            vendor, total, issued = parse_xrechnung(payload)
            return ParsedReceipt(vendor, total, issued, sender_of(msg))
    html = html_body(msg)
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    return ParsedReceipt(vendor_from_html(html), total_from_text(text), issued_from_text(text), sender_of(msg))


def file_expense(receipt: ParsedReceipt) -> Expense:
    # expect: none-dereference @owner -- .first() is None for senders that are not employees
    owner = get_user_model().objects.filter(email=receipt.sender).first()
    vendor, _ = Vendor.objects.get_or_create(name=receipt.vendor)
    # expect: none-dereference @owner
    return Expense.objects.create(owner_id=owner.id, vendor=vendor, amount=receipt.total, issued=receipt.issued)


def file_expense_safe(receipt: ParsedReceipt) -> Expense | None:
    owner = get_user_model().objects.filter(email=receipt.sender).first()
    if owner is None:
        log.info("receipt from unknown sender %s ignored", receipt.sender)
        return None
    # ok: none-dereference -- early return above
    return Expense.objects.create(owner_id=owner.id, vendor=Vendor.objects.get(name=receipt.vendor), amount=receipt.total)


def poll_mailbox() -> int:
    # expect: missing-timeout, resource-leak -- no timeout, and never logged out
    imap = imaplib.IMAP4_SSL(IMAP_HOST)
    imap.login(os.environ["RECEIPTS_IMAP_USER"], os.environ["RECEIPTS_IMAP_PASSWORD"])
    imap.select("INBOX")
    _, data = imap.search(None, "UNSEEN")
    filed = 0
    for num in data[0].split():
        _, parts = imap.fetch(num, "(RFC822)")
        msg = email.message_from_bytes(parts[0][1])
        try:
            file_expense(parse(msg))
            filed += 1
        except ValueError:
            log.warning("could not parse receipt %s", msg.get("Message-ID", "?"), exc_info=True)
    return filed


def poll_mailbox_v2() -> int:
    filed = 0
    # ok: missing-timeout, resource-leak
    with imaplib.IMAP4_SSL(IMAP_HOST, timeout=30) as imap:
        imap.login(os.environ["RECEIPTS_IMAP_USER"], os.environ["RECEIPTS_IMAP_PASSWORD"])
        imap.select("INBOX")
        _, data = imap.search(None, "UNSEEN")
        for num in data[0].split()[:200]:
            _, parts = imap.fetch(num, "(RFC822)")
            if file_expense_safe(parse(email.message_from_bytes(parts[0][1]))):
                filed += 1
    return filed
