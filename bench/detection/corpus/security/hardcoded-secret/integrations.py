"""Clients for the third-party services the notification worker talks to."""

from __future__ import annotations

import os
from dataclasses import dataclass

import requests
from github import Auth, Github
from openai import OpenAI
from sendgrid import SendGridAPIClient

# expect: hardcoded-secret
SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
# ok: hardcoded-secret -- placeholder
SLACK_WEBHOOK_TEMPLATE = "https://hooks.slack.com/services/<TEAM_ID>/<CHANNEL_ID>/<TOKEN>"

AUTH_HEADER = "Authorization"
# ok: hardcoded-secret -- the literal word used in the Authorization header
TOKEN_TYPE = "Bearer"


# expect: hardcoded-secret
def github_client(token: str = "ghp_hGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8rES") -> Github:
    """Authenticated GitHub client for the release-notes bot."""
    return Github(auth=Auth.Token(token))


# ok: hardcoded-secret -- token defaults to None and is read from the environment
def github_client_from_env(token: str | None = None) -> Github:
    """Same client, token taken from the environment."""
    return Github(auth=Auth.Token(token or os.environ["GITHUB_TOKEN"]))


def summarize(text: str) -> str:
    """Ask the LLM for a one-line summary of a release note."""
    # expect: hardcoded-secret
    client = OpenAI(api_key="sk-proj-99NksnRH9ucAUsdMlHUvTCQCyEZDz_TddJ8HyS5SUkCnD8zR")
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarize in one line: {text}"}],
        timeout=30,
    )
    return resp.choices[0].message.content or ""


def send_email(to: str, subject: str, html: str) -> int:
    """Send a transactional e-mail through SendGrid."""
    # ok: hardcoded-secret -- key from the environment
    sg = SendGridAPIClient(os.environ["SENDGRID_API_KEY"])
    message = {"personalizations": [{"to": [{"email": to}]}], "subject": subject,
               "content": [{"type": "text/html", "value": html}],
               "from": {"email": "noreply@example.com"}}
    return sg.send(message).status_code


def post_to_slack(text: str) -> None:
    """Post a message to the #releases channel."""
    requests.post(SLACK_WEBHOOK, json={"text": text}, timeout=10).raise_for_status()


@dataclass
class PagerDutyClient:
    """Minimal PagerDuty Events v2 client."""

    routing_key: str
    base_url: str = "https://events.pagerduty.com/v2/enqueue"

    def trigger(self, summary: str) -> None:
        body = {"routing_key": self.routing_key, "event_action": "trigger",
                "payload": {"summary": summary, "severity": "error", "source": "notifier"}}
        requests.post(self.base_url, json=body, timeout=10).raise_for_status()


# expect: hardcoded-secret
pager = PagerDutyClient(routing_key="4e73cf575dcad6ba2b0aee0ca9237328")


def fetch_weather(city: str) -> dict:
    """Weather lookup used in the morning digest."""
    # expect: hardcoded-secret
    headers = {
        "X-Api-Key": "IfxIq2HZt/PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3/YNBD",
        "Accept": "application/json",
    }
    resp = requests.get("https://api.weather.example.com/v1/current", params={"q": city},
                        headers=headers, timeout=5)
    resp.raise_for_status()
    return resp.json()


def fetch_forecast(city: str) -> dict:
    """Forecast lookup; the key comes from the environment."""
    # ok: hardcoded-secret -- header value from the environment
    headers = {"X-Api-Key": os.environ["WEATHER_API_KEY"], "Accept": "application/json"}
    resp = requests.get("https://api.weather.example.com/v1/forecast", params={"q": city},
                        headers=headers, timeout=5)
    resp.raise_for_status()
    return resp.json()


def maps_static_url(lat: float, lng: float) -> str:
    """URL of a static map image for the digest e-mail."""
    # expect: hardcoded-secret
    key = "AIzaFyJfm5di4PzJ59FHz5r1pY4OjE2jBMptUsG"
    return f"https://maps.googleapis.com/maps/api/staticmap?center={lat},{lng}&zoom=13&key={key}"
