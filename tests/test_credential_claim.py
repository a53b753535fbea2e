"""CAV130's narrower claim (``Finding.claim == "credential"``): a credential in use — a provider
format, a password in a URL, or a literal reaching what authenticates or signs with it — as
opposed to a literal that only sits under a secret-sounding name. The precision policy can keep
the first in the default set when the rule as a whole is below the bar (``rules.default_claims``)."""
from caveat.project import Settings
from tests.fixture_harness import all_findings

SOURCE = '''\
import smtplib

import jwt
import psycopg2
import requests
from flask import Flask

app = Flask(__name__)
app.config["SECRET_KEY"] = "f3Kq9ZpL2xVt7RmN4bWc"
GITHUB = "ghp_Zq8Xv2Lm4Nb6Pc0Rd1Se3Tf5Ug7Vh9Wj1Kx3"
DATABASE_URL = "postgresql://app:Tz8qLm2Vx9Kp@db.internal.corp:5432/shop"
SERVICE_PASSWORD = "Qv7pLm2Rt9zXw4"
ADMIN_TOKEN = "Vq8ZtR2mXc7LpW4nKs9B"


def connect():
    return psycopg2.connect(host="db", user="app", password="Hn4Tq8Lz2Vm7")


def token(payload):
    return jwt.encode(payload, "Rk2Vz9Qm4Lt8Xp3N", algorithm="HS256")


def fetch(url):
    return requests.get(url, auth=("svc", "Pw9Lq2Zt7Vm4"), timeout=5)


def mail(user):
    server = smtplib.SMTP("smtp.corp", 587, timeout=10)
    server.login(user, "Mz3Kq8Tv2Lp7")
'''
CREDENTIAL_LINES = {9, 10, 11, 17, 21, 25, 30}
NAME_ONLY_LINES = {12, 13}


def test_credentials_in_use_carry_the_claim_and_name_only_literals_do_not():
    findings = [f for f in all_findings(SOURCE, "app/config.py", Settings(select=["CAV130"]))
                if f.code == "CAV130"]
    by_line = {f.line: f.claim for f in findings}
    assert set(by_line) == CREDENTIAL_LINES | NAME_ONLY_LINES
    assert {line for line, claim in by_line.items() if claim == "credential"} == CREDENTIAL_LINES
    assert all(by_line[line] == "" for line in NAME_ONLY_LINES)
