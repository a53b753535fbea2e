"""Competitor price scraper (runs nightly from cron)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import requests
from bs4 import BeautifulSoup

HEADERS = {"User-Agent": "price-watch/1.0 (+https://example.com/bot)"}


def fetch(url: str) -> BeautifulSoup:
    resp = requests.get(url, headers=HEADERS, timeout=15)
    resp.raise_for_status()
    return BeautifulSoup(resp.text, "html.parser")


def product_title(soup: BeautifulSoup) -> str:
    # expect: none-dereference
    return soup.find("h1", class_="product-title").get_text(strip=True)


def product_price(soup: BeautifulSoup) -> Decimal | None:
    tag = soup.select_one("span.price")
    # ok: none-dereference -- checked before use
    if tag is None:
        return None
    return Decimal(tag.get_text(strip=True).lstrip("$").replace(",", ""))


def canonical_url(soup: BeautifulSoup) -> str:
    # expect: none-dereference
    return soup.find("link", rel="canonical")["href"]


def og_image(soup: BeautifulSoup) -> str | None:
    tag = soup.find("meta", property="og:image")
    # ok: none-dereference -- conditional expression
    return tag.get("content") if tag is not None else None


def review_counts(soup: BeautifulSoup) -> list[int]:
    counts = []
    for card in soup.select("div.review-card"):
        # expect: none-dereference
        stars = card.find("span", class_="stars").text
        counts.append(int(stars))
    return counts


def sitemap_urls(xml_text: str) -> list[str]:
    root = ET.fromstring(xml_text)
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    # ok: none-dereference -- findtext with a default never returns None
    return [u.findtext("sm:loc", default="", namespaces=ns) for u in root.findall("sm:url", ns)]


def feed_title(xml_text: str) -> str:
    root = ET.fromstring(xml_text)
    # expect: none-dereference
    return root.find("channel/title").text.strip()
