"""Feed poller for the legacy RSS importer (stdlib only, runs on the old cron box)."""

from __future__ import annotations

import socket
import urllib.request
import xml.etree.ElementTree as ET

# Every socket created by this process gets a 15 second timeout.
socket.setdefaulttimeout(15)

FEEDS = ["https://blog.example.com/feed.xml", "https://status.example.com/history.rss"]


def fetch_feed(url: str) -> bytes:
    # ok: missing-timeout -- process-wide socket.setdefaulttimeout(15) above
    with urllib.request.urlopen(url) as resp:
        return resp.read(2 * 1024 * 1024)


def titles(url: str) -> list[str]:
    root = ET.fromstring(fetch_feed(url))
    return [item.findtext("title", "") for item in root.iter("item")][:50]


def main() -> None:
    for feed in FEEDS:
        for title in titles(feed):
            print(title)


if __name__ == "__main__":
    main()
