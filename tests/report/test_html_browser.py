"""The HTML report in a real headless Chromium (Debian's chromium + chromedriver, W3C WebDriver).

The page must draw its charts without a console error, and every number it shows (cards,
bars, the per-period table, the open findings) must equal the JSON report. Skipped when
chromium or chromedriver is missing, except under CI=true, where that fails
(``editors/install-editor-deps.sh`` installs both).
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.editors.editor_harness import missing
from tests.report.test_history import report_json, run_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--window-size=1100,1600"]


class Browser:
    """A chromedriver session, driven over HTTP on loopback."""

    def __init__(self, port: int, session: str) -> None:
        self.base = f"http://127.0.0.1:{port}/session/{session}"

    @staticmethod
    def call(url: str, method: str = "GET", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:  # loopback only
            return json.loads(response.read())["value"]

    def open(self, path: Path) -> None:
        self.call(f"{self.base}/url", "POST", {"url": path.as_uri()})

    def run(self, script: str):
        return self.call(f"{self.base}/execute/sync", "POST", {"script": script, "args": []})

    def console_errors(self) -> list[str]:
        entries = self.call(f"{self.base}/se/log", "POST", {"type": "browser"})
        return [entry["message"] for entry in entries if entry["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = shutil.which("chromedriver")
    if not Path(CHROMIUM).is_file():
        missing("Chromium (Debian's chromium)")
    if driver is None:
        missing("chromedriver (Debian's chromium-driver)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if Browser.call(f"http://127.0.0.1:{port}/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("chromedriver did not start within 30 s")
            time.sleep(0.1)
        profile = tmp_path_factory.mktemp("chromium-profile")
        capabilities = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
                        "goog:chromeOptions": {"binary": CHROMIUM, "args": [*FLAGS, f"--user-data-dir={profile}"]}}
        session = Browser.call(f"http://127.0.0.1:{port}/session", "POST",
                               {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]
        yield Browser(port, session)
        Browser.call(f"http://127.0.0.1:{port}/session/{session}", "DELETE")
    finally:
        process.terminate()
        process.wait(timeout=10)


SHOWN = """
const text = (node) => node.textContent.trim();
return {
  rendered: document.body.getAttribute("data-rendered"),
  charts: document.querySelectorAll("svg.chart").length,
  cards: Object.fromEntries([...document.querySelectorAll("[data-metric]")].map(
    (card) => [card.dataset.metric, text(card.querySelector(".value"))])),
  bars: [...document.querySelectorAll("svg.chart rect.bar")].map((bar) => ({
    chart: bar.closest("svg").id, series: bar.dataset.series, period: bar.dataset.period || null,
    category: bar.dataset.category || null, value: Number(bar.dataset.value),
    height: bar.getBBox().height, width: bar.getBBox().width})),
  dots: [...document.querySelectorAll("svg.chart circle.dot")].map((dot) => ({
    chart: dot.closest("svg").id, series: dot.dataset.series, period: dot.dataset.period, value: dot.dataset.value})),
  periods: [...document.querySelectorAll("#periods tr[data-period]")].map((row) => Object.fromEntries(
    [["start", row.dataset.period], ...[...row.querySelectorAll("td[data-key]")].map((td) => [td.dataset.key, text(td)])])),
  open: [...document.querySelectorAll("#open tr")].slice(1).map((row) => [...row.querySelectorAll("td")].map(text)),
  links: [...document.querySelectorAll("#open a")].map((a) => a.getAttribute("href")),
};
"""
COLUMNS = ("commits", "ai_commits", "lines_added", "lines_deleted", "ai_lines_added", "findings_introduced",
           "ai_findings_introduced", "findings_fixed")


def rate(found: int, lines: int) -> str:
    value = 1000 * found / lines if lines else 0
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def test_dashboard_renders_the_json_numbers(demo, browser, tmp_path):
    page = tmp_path / "report.html"
    assert run_report(demo.root, "-o", str(page)).returncode == 0
    report = report_json(demo.root)
    browser.open(page)
    shown = browser.run(SHOWN)
    assert browser.console_errors() == []
    assert shown["rendered"] == "true" and shown["charts"] == 3
    periods = report["periods"]
    total = {key: sum(p[key] for p in periods) for key in COLUMNS}
    assert shown["cards"] == {
        "commits": str(total["commits"]), "lines_added": str(total["lines_added"]),
        "findings_introduced": str(total["findings_introduced"]), "findings_fixed": str(total["findings_fixed"]),
        "open_findings": str(len(report["open_findings"])),
        "rate_ai": rate(total["ai_findings_introduced"], total["ai_lines_added"]),
        "rate_other": rate(total["findings_introduced"] - total["ai_findings_introduced"],
                           total["lines_added"] - total["ai_lines_added"]),
    }
    assert shown["periods"] == [
        {"start": p["start"], **{key: str(p[key]) for key in COLUMNS}, "rate": rate(p["findings_introduced"], p["lines_added"])}
        for p in periods]

    bars = {(b["chart"], b["series"], b["period"] or b["category"]): b for b in shown["bars"]}
    expected = {}
    for p in periods:
        expected[("chart-velocity", "ai_lines_added", p["start"])] = p["ai_lines_added"]
        expected[("chart-velocity", "other_lines_added", p["start"])] = p["lines_added"] - p["ai_lines_added"]
        expected[("chart-ai", "ai_findings_introduced", p["start"])] = p["ai_findings_introduced"]
        expected[("chart-ai", "other_findings_introduced", p["start"])] = p["findings_introduced"] - p["ai_findings_introduced"]
        expected[("chart-ai", "findings_fixed", p["start"])] = p["findings_fixed"]
    for category in periods[0]["by_category"]:
        for key in ("introduced", "fixed"):
            expected[("chart-categories", key, category)] = sum(p["by_category"][category][key] for p in periods)
    assert {key: bar["value"] for key, bar in bars.items()} == expected
    # drawn to scale: within a chart, a bar's size is proportional to its value
    for chart, size in (("chart-velocity", "height"), ("chart-ai", "height"), ("chart-categories", "width")):
        drawn = [b for b in shown["bars"] if b["chart"] == chart]
        unit = max(b[size] for b in drawn) / max(b["value"] for b in drawn)
        for bar in drawn:
            assert bar[size] == pytest.approx(bar["value"] * unit, abs=0.6), bar
    dots = {(d["chart"], d["series"], d["period"]): d["value"] for d in shown["dots"]}
    assert {k: v for k, v in dots.items() if k[1] == "rate"} == {
        ("chart-velocity", "rate", p["start"]): rate(p["findings_introduced"], p["lines_added"]) for p in periods}

    assert shown["open"] == [
        [f["path"], str(f["line"]), f["code"], f["category"], f["introduced_by"]["commit"][:10],
         f["introduced_by"]["date"], "yes" if f["introduced_by"]["ai_assisted"] else "no"]
        for f in report["open_findings"]]
    # no forge behind this repository: files link to the working tree
    assert shown["links"] == [(demo.root / f["path"]).as_uri() for f in report["open_findings"]]


def test_console_errors_are_seen(browser, tmp_path):
    """The harness itself: a page that throws is reported (so an empty list above means something)."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>null.boom();</script>")
    browser.open(page)
    assert any("boom" in message for message in browser.console_errors())
