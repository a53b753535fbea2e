"""Category tables for the baseline tools (bandit, ruff) and the category list itself.

The categories are the contract in DESIGN.md.  The baseline maps translate a tool's own
test ids into those categories so the scoreboard can compare like with like.

Mapping policy: a test id is mapped only when what it reports *is* that defect, judged from
the tool's own documentation (bandit: ``bandit/plugins/*.py`` and ``bandit/blacklists/*.py``;
ruff: ``ruff rule CODE``).  Audit-only notes that fire on every use of an API (bandit B404
"import subprocess", B603 "subprocess without shell", B607 "partial executable path") and
checks for defects outside the category list (XML entity expansion, telnet/ftp cleartext,
binding to 0.0.0.0, file permissions, /tmp paths, trojan-source) are deliberately left
unmapped: they are shown as "unmapped" in ``score.py --details`` and never scored.
"""

from __future__ import annotations

SECURITY = [
    "sql-injection",
    "command-injection",
    "code-injection",
    "xss",
    "stacktrace-disclosure",
    "hardcoded-secret",
    "jwt-weak-validation",
    "insecure-deserialization",
    "weak-crypto",
    "insecure-random",
    "tls-verify-disabled",
    "path-traversal",
    "ssrf",
    "auth-presence-only",
    "input-length-only",
]

EDGE = [
    "swallowed-exception",
    "lost-exception-context",
    "missing-timeout",
    "unbounded-materialization",
    "float-money",
    "empty-input",
    "none-dereference",
    "mutable-default-arg",
    "assert-for-validation",
    "resource-leak",
    "race-toctou",
    "blocking-in-async",
]

FAMILIES = {"security": SECURITY, "edge": EDGE}
CATEGORIES = SECURITY + EDGE
FAMILY_OF = {c: fam for fam, cats in FAMILIES.items() for c in cats}


# --------------------------------------------------------------------------- bandit 1.9
# Ids and meanings checked against bandit/plugins/*.py and bandit/blacklists/{calls,imports}.py.
BANDIT = {
    # assert_used: "assert is removed with compiling to optimised byte code"
    "B101": "assert-for-validation",
    # exec_used
    "B102": "code-injection",
    # hardcoded_password_string / _funcarg / _default (CWE-259)
    "B105": "hardcoded-secret",
    "B106": "hardcoded-secret",
    "B107": "hardcoded-secret",
    # try_except_pass / try_except_continue
    "B110": "swallowed-exception",
    "B112": "swallowed-exception",
    # request_without_timeout (requests / httpx calls without timeout=)
    "B113": "missing-timeout",
    # flask_debug_true: the Werkzeug debugger shows tracebacks (and a console) to clients
    "B201": "stacktrace-disclosure",
    # tarfile_unsafe_members: extractall() without member filtering ("tar slip", CWE-22)
    "B202": "path-traversal",
    # pickle / marshal deserialization (blacklist calls), pickle import (blacklist imports)
    "B301": "insecure-deserialization",
    "B302": "insecure-deserialization",
    "B403": "insecure-deserialization",
    # md5/sha1 (B303), insecure ciphers (B304), ECB mode (B305), hashlib md4/md5/sha1 (B324)
    "B303": "weak-crypto",
    "B304": "weak-crypto",
    "B305": "weak-crypto",
    "B324": "weak-crypto",
    # mktemp: the name is checked free, then created later -- a check-then-act race (CWE-377)
    "B306": "race-toctou",
    # eval
    "B307": "code-injection",
    # random: "standard pseudo-random generators are not suitable for security/cryptographic purposes"
    "B311": "insecure-random",
    # django mark_safe (blacklist call)
    "B308": "xss",
    # urlopen & co: "audit url open for permitted schemes" -- fetching caller-chosen URLs
    "B310": "ssrf",
    # ssl._create_unverified_context
    "B323": "tls-verify-disabled",
    # requests/httpx verify=False
    "B501": "tls-verify-disabled",
    # ssl_with_bad_version / bad_defaults / no_version: SSLv2/3, TLS1.0/1.1 (CWE-327)
    "B502": "weak-crypto",
    "B503": "weak-crypto",
    "B504": "weak-crypto",
    # weak_cryptographic_key: RSA/DSA < 2048, EC < 224 bits
    "B505": "weak-crypto",
    # yaml_load without a safe loader
    "B506": "insecure-deserialization",
    # ssh_no_host_key_verification: paramiko AutoAddPolicy / WarningPolicy (CWE-295)
    "B507": "tls-verify-disabled",
    # paramiko exec_command, shell=True, os.system/popen & co, wildcard injection
    "B601": "command-injection",
    "B602": "command-injection",
    "B604": "command-injection",
    "B605": "command-injection",
    "B609": "command-injection",
    # hardcoded_sql_expressions, django extra() / RawSQL
    "B608": "sql-injection",
    "B610": "sql-injection",
    "B611": "sql-injection",
    # logging.config.listen() evaluates received configuration (CWE-94)
    "B612": "code-injection",
    # torch.load without weights_only
    "B614": "insecure-deserialization",
    # jinja2 autoescape=False, mako templates, django mark_safe, markupsafe Markup(...)
    "B701": "xss",
    "B702": "xss",
    "B703": "xss",
    "B704": "xss",
}

# Seen but deliberately not mapped (documented so "unmapped" output is not a surprise).
BANDIT_UNMAPPED = {
    "B103": "chmod with permissive mask (CWE-732)",
    "B104": "bind to all interfaces",
    "B108": "hard-coded /tmp path (CWE-377, not traversal)",
    "B312": "telnetlib",
    "B321": "ftplib",
    "B313": "XML",
    "B314": "XML",
    "B315": "XML",
    "B316": "XML",
    "B317": "XML",
    "B318": "XML",
    "B319": "XML",
    "B320": "XML",
    "B401": "import telnetlib",
    "B402": "import ftplib",
    "B404": "import subprocess (audit note)",
    "B405": "import xml",
    "B406": "import xml",
    "B407": "import xml",
    "B408": "import xml",
    "B409": "import xml",
    "B410": "import lxml",
    "B411": "import xmlrpc",
    "B412": "httpoxy",
    "B413": "pycrypto import",
    "B415": "pyghmi",
    "B508": "SNMP v1/v2",
    "B509": "SNMP weak crypto",
    "B603": "subprocess without shell (audit note on every call)",
    "B606": "process start without shell (audit note)",
    "B607": "partial executable path (PATH hijack, CWE-426, not injection)",
    "B613": "trojan source",
    "B615": "huggingface download without revision pin",
}


# --------------------------------------------------------------------------- ruff
# Codes and meanings checked with `ruff rule CODE` (ruff 0.17).  Only stable rules, so the
# selection below does not need --preview (S403 import-pickle is preview-only: not used).
RUFF = {
    # flake8-bandit
    "S101": "assert-for-validation",
    "S102": "code-injection",
    "S105": "hardcoded-secret",
    "S106": "hardcoded-secret",
    "S107": "hardcoded-secret",
    "S110": "swallowed-exception",
    "S112": "swallowed-exception",
    "S113": "missing-timeout",
    "S201": "stacktrace-disclosure",
    "S202": "path-traversal",
    "S301": "insecure-deserialization",
    "S302": "insecure-deserialization",
    "S303": "weak-crypto",
    "S304": "weak-crypto",
    "S305": "weak-crypto",
    "S306": "race-toctou",
    "S307": "code-injection",
    "S308": "xss",
    "S310": "ssrf",
    "S311": "insecure-random",
    "S323": "tls-verify-disabled",
    "S324": "weak-crypto",
    "S501": "tls-verify-disabled",
    "S502": "weak-crypto",
    "S503": "weak-crypto",
    "S504": "weak-crypto",
    "S505": "weak-crypto",
    "S506": "insecure-deserialization",
    "S507": "tls-verify-disabled",
    "S601": "command-injection",
    "S602": "command-injection",
    "S604": "command-injection",
    "S605": "command-injection",
    "S609": "command-injection",
    "S608": "sql-injection",
    "S610": "sql-injection",
    "S611": "sql-injection",
    "S612": "code-injection",
    "S701": "xss",
    "S702": "xss",
    "S704": "xss",
    # flake8-blind-except / pycodestyle bare except: a catch-all that neither re-raises nor
    # logs the exception (BLE001 ignores handlers that re-raise or log with exc_info)
    "BLE001": "swallowed-exception",
    "E722": "swallowed-exception",
    # flake8-bugbear
    "B006": "mutable-default-arg",
    "B904": "lost-exception-context",
    # flake8-simplify: open() without a context manager
    "SIM115": "resource-leak",
    # flake8-async: blocking calls inside async def
    "ASYNC210": "blocking-in-async",  # blocking HTTP call (requests, urllib3, ...)
    "ASYNC212": "blocking-in-async",  # blocking httpx.Client call
    "ASYNC220": "blocking-in-async",  # subprocess.Popen / os.popen style process creation
    "ASYNC221": "blocking-in-async",  # subprocess.run / os.system style process run
    "ASYNC222": "blocking-in-async",  # os.wait*
    "ASYNC230": "blocking-in-async",  # open()
    "ASYNC240": "blocking-in-async",  # os.path / pathlib blocking filesystem methods
    "ASYNC250": "blocking-in-async",  # input()
    "ASYNC251": "blocking-in-async",  # time.sleep()
}

# Explicit selection handed to `ruff check --select`: exactly the mapped codes, so nothing
# unmapped is ever reported.
RUFF_SELECT = sorted(RUFF)

TOOL_MAPS = {"bandit": BANDIT, "ruff": RUFF}


def mapped_categories(tool: str) -> set[str]:
    """Categories a tool can report at all (caveat reports categories natively)."""
    if tool in TOOL_MAPS:
        return set(TOOL_MAPS[tool].values())
    return set(CATEGORIES)
