"""Security rules CAV130-CAV139 on code shaped differently from their fixtures.

Each case is a small module; ``#!`` at the end of a line marks where the rule
must fire, every other line must stay silent for that rule. The snippets use
other frameworks, aliases, classes, async code and helpers than the annotated
fixtures, to catch rules that only learned the fixtures' spelling.
"""
from __future__ import annotations

import textwrap

import pytest

from caveat.engine.analyzer import Engine
from caveat.project import Settings

ENGINE = Engine()
ALL = Settings(select=("ALL",))


def lines_for(code: str, source: str, path: str = "app/module.py") -> tuple[set[int], set[int]]:
    """(lines where ``code`` fired, lines marked ``#!``)."""
    text = textwrap.dedent(source)
    found = {f.line for f in ENGINE.analyze(text, path, ALL).findings if f.code == code}
    marked = {i for i, line in enumerate(text.splitlines(), 1) if line.rstrip().endswith("#!")}
    return found, marked


CASES = {
    "CAV130": [
        # Django settings with a real-looking key; an env lookup beside it.
        '''
        import os
        SECRET_KEY = "p8$k2!m9z@x4w#v7q1r5t3y6u0i-o_l"  #!
        EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD")
        STATIC_URL = "/static/"
        ''',
        # Keyword arguments of an SDK client, placeholder beside it.
        '''
        import redis
        r = redis.Redis(host="cache", password="Zq7!xR2#pL9v")  #!
        r2 = redis.Redis(host="cache", password="<redis-password>")
        r3 = redis.Redis(host="cache", password=None)
        ''',
        # A class attribute holding a Slack webhook, a method comparing a header.
        '''
        class Alerts:
            webhook = "https://hooks.slack.com/services/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"  #!
            channel = "#alerts"

            def allowed(self, headers):
                return headers.get("X-Admin-Token") == "f3a9c1e7b5d2a8c4e6f0b1d3"  #!
        ''',
        # Look-alikes: hashes, sample data, i18n labels, a JWT algorithm.
        '''
        ETAG = "d41d8cd98f00b204e9800998ecf8427e"
        PASSWORD_HELP = "Use at least 12 characters."
        TOKEN_ALGORITHM = "HS512"
        api_key_name = "X-Api-Key"
        secret_santa_names = ["ann", "bob"]
        ''',
    ],
    "CAV131": [
        '''
        import jwt as pyjwt

        class TokenService:
            def claims(self, token):
                return pyjwt.decode(token, options={"verify_signature": False})  #!

            def verified(self, token, key):
                return pyjwt.decode(token, key, algorithms=["ES256"], audience="svc")
        ''',
        '''
        from jose import jwt

        def read(token, key):
            return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})  #!

        def read_ok(token, key):
            return jwt.decode(token, key, algorithms=["HS256"], audience="svc")
        ''',
    ],
    "CAV132": [
        '''
        import pickle as pkl
        from django.http import JsonResponse

        def restore(request):
            state = pkl.loads(request.body)  #!
            return JsonResponse({"ok": bool(state)})

        def snapshot(obj):
            return pkl.dumps(obj)
        ''',
        '''
        import yaml

        def load_rules(stream):
            return yaml.full_load(stream)  #!

        def load_rules_safely(stream):
            return yaml.load(stream, Loader=yaml.CSafeLoader)
        ''',
    ],
    "CAV133": [
        '''
        import hashlib

        class User:
            def set_password(self, raw):
                self.password_hash = hashlib.sha256(raw.encode()).hexdigest()  #!

            def avatar_key(self):
                return hashlib.md5(self.email.encode()).hexdigest()
        ''',
        '''
        from Crypto.Cipher import Blowfish, AES

        def enc(key, data):
            return Blowfish.new(key, Blowfish.MODE_CBC).encrypt(data)  #!

        def enc_ok(key, data, nonce):
            return AES.new(key, AES.MODE_GCM, nonce=nonce).encrypt(data)
        ''',
    ],
    "CAV134": [
        '''
        import random
        import string

        class InviteService:
            def create_invite(self, email):
                code = "".join(random.sample(string.ascii_uppercase, 10))  #!
                return {"email": email, "invite_code": code}

            def pick_reviewer(self, reviewers):
                return random.choice(reviewers)
        ''',
        '''
        import random

        async def send_login_code(user, sms):
            login_code = random.randrange(100000, 1000000)  #!
            await sms.send(user.phone, f"{login_code}")

        def shuffle_deck(deck):
            random.shuffle(deck)
            return deck
        ''',
    ],
    "CAV135": [
        '''
        import httpx
        from requests import Session

        def client():
            s = Session()
            s.verify = False  #!
            return s

        async def fetch(url):
            async with httpx.AsyncClient(verify=False) as c:  #!
                return await c.get(url)

        async def fetch_ok(url, bundle):
            async with httpx.AsyncClient(verify=bundle) as c:
                return await c.get(url)
        ''',
    ],
    "CAV136": [
        '''
        import subprocess as sp
        from django.http import HttpResponse

        def traceroute(request):
            target = request.GET.get("target", "")
            out = sp.check_output("traceroute " + target, shell=True)  #!
            return HttpResponse(out)

        def uptime(request):
            return HttpResponse(sp.check_output(["uptime"]))
        ''',
        '''
        from os import system
        from fastapi import FastAPI

        api = FastAPI()

        @api.post("/restart/{service}")
        def restart(service: str):
            system(f"systemctl restart {service}")  #!

        @api.post("/restart-id/{service_id}")
        def restart_by_id(service_id: int):
            system(f"systemctl restart worker@{service_id}")
        ''',
    ],
    "CAV137": [
        '''
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse

        async def compute(request: Request):
            params = request.query_params
            result = eval(params["formula"])  #!
            return PlainTextResponse(str(result))

        def version():
            return eval("1 + 1")
        ''',
    ],
    "CAV138": [
        '''
        import os
        from django.http import FileResponse

        MEDIA = "/srv/media"

        def download(request):
            name = request.GET["file"]
            return FileResponse(open(os.path.join(MEDIA, name), "rb"))  #!

        def download_safe(request):
            name = os.path.basename(request.GET["file"])
            return FileResponse(open(os.path.join(MEDIA, name), "rb"))
        ''',
    ],
    "CAV139": [
        '''
        import httpx
        from fastapi import FastAPI

        api = FastAPI()

        @api.get("/fetch")
        async def fetch(url: str):
            async with httpx.AsyncClient() as client:
                r = await client.get(url)  #!
            return r.text

        @api.get("/weather")
        async def weather(city: str):
            async with httpx.AsyncClient() as client:
                r = await client.get("https://api.weather.example/v1", params={"q": city})
            return r.json()
        ''',
    ],
}


@pytest.mark.parametrize("code, source", [(code, source) for code, sources in CASES.items() for source in sources],
                         ids=lambda value: value if isinstance(value, str) and value.startswith("CAV") else "")
def test_rule_fires_exactly_on_marked_lines(code: str, source: str) -> None:
    found, marked = lines_for(code, source)
    assert found == marked, f"{code}: fired on {sorted(found)}, expected {sorted(marked)}"


def test_name_bound_secrets_are_not_reported_in_test_modules() -> None:
    source = '''
    def test_login(client):
        client.post("/login", data={"password": "S3cure!pass"})
    '''
    found, _ = lines_for("CAV130", source, path="tests/test_login.py")
    assert not found


def test_provider_keys_are_reported_even_in_test_modules() -> None:
    source = '''
    GITHUB = "ghp_qILoXthFl3jPEEy1m6fQeY2B1y6N1rFHV7U5"  #!
    '''
    found, marked = lines_for("CAV130", source, path="tests/test_sync.py")
    assert found == marked


def test_secret_values_never_appear_in_messages() -> None:
    secret = "Zq7!xR2#pL9v-unique"
    text = f'import redis\nr = redis.Redis(password="{secret}")\nKEY = "sk_live_5bBAJNJa2avC1vaGuxIJknkG"\n'
    findings = [f for f in ENGINE.analyze(text, "app/x.py", ALL).findings if f.code == "CAV130"]
    assert len(findings) == 2
    for finding in findings:
        assert secret not in finding.message and "5bBAJNJa2avC1vaGuxIJknkG" not in finding.message
        if finding.fix:
            assert all(secret not in edit.text for edit in finding.fix.edits)


def test_picking_an_existing_item_is_not_making_a_secret() -> None:
    source = '''
    import random
    import string

    API_TOKENS = ["t1", "t2"]

    def client_token():
        token = random.choice(API_TOKENS)
        return token

    def new_token():
        token = "".join(random.choice(string.ascii_letters) for _ in range(32))  #!
        return token

    def new_pin():
        pin = random.choice("0123456789") + random.choice("0123456789")  #!
        return pin
    '''
    found, marked = lines_for("CAV134", source)
    assert found == marked


def test_django_settings_look_alikes_stay_silent() -> None:
    source = '''
    import os
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
    AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    ]
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": os.environ["DB_PASSWORD"],
                             "USER": "app", "HOST": "db"}}
    LOCAL_DATABASES = {"default": {"PASSWORD": ""}}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    SESSION_COOKIE_NAME = "sessionid"
    CSRF_COOKIE_NAME = "csrftoken"
    TOKEN_EXPIRY_SECONDS = 3600
    '''
    found, _ = lines_for("CAV130", source, path="mysite/settings.py")
    assert not found


def test_form_and_header_code_stays_silent() -> None:
    source = '''
    def login(request, client, token):
        password = request.POST["password"]
        headers = {"Authorization": f"Bearer {token}", "X-Api-Key": client.api_key}
        auth_header = "Bearer " + token
        return client.post("/login", data={"username": "u", "password": password}, headers=headers)
    '''
    found, _ = lines_for("CAV130", source)
    assert not found


def test_secrets_in_positional_arguments_and_connection_strings() -> None:
    source = '''
    import jwt
    import psycopg2
    import pyodbc

    def issue(payload):
        return jwt.encode(payload, "k8Jq2mX9vR4tL7wZ", algorithm="HS256")  #!

    def connect():
        return psycopg2.connect("host=db dbname=app user=admin password=Pg7!kQ2mZx")  #!

    def connect_mssql():
        return pyodbc.connect("Driver={ODBC Driver 18};Server=sql;Uid=sa;Pwd=Ms8#vLq2Wz;")  #!

    def connect_env(password):
        return psycopg2.connect(f"host=db dbname=app user=admin password={password}")

    def issue_ok(payload, key):
        return jwt.encode(payload, key, algorithm="HS256")
    '''
    found, marked = lines_for("CAV130", source)
    assert found == marked


def test_more_sinks() -> None:
    source = '''
    import socket
    import subprocess
    import tarfile
    from flask import Flask, request

    app = Flask(__name__)

    @app.route("/port-check")
    def port_check():
        host = request.args["host"]
        with socket.create_connection((host, 22), timeout=3):  #!
            return "open"

    @app.route("/ping")
    def ping():
        cmd = f"ping -c 1 {request.args['host']}"
        return subprocess.check_output(cmd.split())  #!

    def restore(archive, member_name, dest):
        with tarfile.open(archive) as tar:
            tar.extract(member_name, dest)  #!
    '''
    for code in ("CAV139", "CAV136", "CAV138"):
        found, marked = lines_for(code, source)
        assert found <= marked and found, f"{code}: {sorted(found)} vs {sorted(marked)}"
