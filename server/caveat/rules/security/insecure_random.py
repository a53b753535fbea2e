"""## What it does

Detects security values made with a predictable generator: tokens, OTPs and
verification codes, password-reset codes, session ids, generated passwords,
API keys, nonces, salts, IVs and OAuth `state` values produced by the `random`
module (or `numpy.random`, or time-based `uuid.uuid1()`). The value is judged
by where it goes: the name it is assigned to or returned as, the dict key or
keyword it is passed under, a reset/verify link it is put into, where a
local holding it goes next (`voucher = ...; order.voucher_code = voucher`), or
the function or class it is made in (`generate_api_key()`, `class
ReferralCodes`; a bare `code` in `class InviteService` is an invite code). A
neutral same-module helper returning `random` output (`random_string(8)`) is
judged at each call by the same rules.
Prize draws (`pick_winner`, raffles) count: a predictable winner is the
defect.

## Why is this bad?
`random` is a Mersenne Twister: after observing 624 outputs an attacker can
compute every past and future one, and its default seed is guessable. A reset
code or session token from it can be predicted, so accounts can be taken over
without ever seeing the victim's e-mail. `secrets` uses the operating
system's CSPRNG and is a drop-in replacement.

## Example
```python
def make_reset_code():
    return "".join(random.choices(string.digits, k=6))

session_id = "%032x" % random.getrandbits(128)
```

## Use instead
```python
def make_reset_code():
    return f"{secrets.randbelow(10**6):06d}"

session_id = secrets.token_hex(16)
```

## What it does not flag
`random` for simulations, sampling, shuffling, games, jitter and backoff,
load-balancing choices (`random.choice(servers)` picks an existing item, it
makes no secret), expiry spreads, test data, and any value whose name does not
say it protects something; `random.SystemRandom()` and `secrets`; `uuid.uuid4()`.

## Fix safety
`random.choice/choices/randint/randrange/getrandbits/randbytes` are rewritten
to their `secrets` equivalents (same ranges) when the module imports
`secrets`. The fix is safe: the values keep their type and range; only their
predictability changes.

## References
- https://cwe.mitre.org/data/definitions/330.html
- https://cwe.mitre.org/data/definitions/338.html
- https://docs.python.org/3/library/secrets.html
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import resolved_call_name, value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import keyword
from caveat.rules.security._names import bound_name, imports_any, security_destination, words

RANDOM_FUNCS = frozenset({"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits",
                          "randbytes", "uniform", "shuffle", "rand", "randn", "bytes", "integers", "Random",
                          "seed", "default_rng", "RandomState", "normalvariate", "gauss", "triangular",
                          "betavariate", "expovariate", "gammavariate", "lognormvariate", "vonmisesvariate",
                          "paretovariate", "weibullvariate", "binomialvariate"})
# Nouns that name a value whose secrecy protects something.
SECRET_NOUNS = frozenset({
    "token", "tokens", "otp", "totp", "hotp", "password", "passwd", "pwd", "passcode", "passphrase", "secret",
    "nonce", "salt", "iv", "apikey", "csrf", "xsrf", "sessionid", "sid", "pin", "verifier", "challenge",
    "credential", "credentials", "signature",
})
# Nouns that are secret only with a qualifying word: ``reset_code``, ``session_key``, ``oauth_state``.
QUALIFIED_NOUNS = {
    "code": {"verification", "verify", "reset", "otp", "auth", "authorization", "confirm", "confirmation",
             "activation", "activate", "invite", "invitation", "login", "sms", "email", "mfa", "2fa", "access",
             "recovery", "backup", "security", "one", "magic", "unlock", "pairing", "secret", "signup", "coupon",
             "voucher", "promo", "promotion", "gift", "referral", "redeem", "redemption", "bonus", "discount",
             "claim", "ticket"},
    "key": {"api", "secret", "session", "private", "access", "encryption", "signing", "hmac", "aes", "auth",
            "license", "activation", "master", "crypto", "client", "webhook", "idempotency"},
    "id": {"session", "sess", "auth", "login", "reset", "token", "request_token"},
    "state": {"oauth", "auth", "csrf", "login", "sso", "oidc"},
    "link": {"reset", "magic", "login", "verify", "verification", "activation", "invite", "unsubscribe"},
    "url": {"reset", "magic", "login", "verify", "verification", "activation", "invite"},
    "hash": {"reset", "activation", "verification"},
}
SECURITY_FUNCTION_WORDS = frozenset({"token", "otp", "password", "passwd", "secret", "nonce", "salt", "apikey",
                                     "csrf", "session", "reset", "verification", "verify", "activation", "invite",
                                     "pin", "passcode", "mfa", "2fa", "totp", "magic", "credential", "credentials",
                                     # prize draws: predictable winners are a fairness (and money) problem
                                     "raffle", "lottery", "winner", "winners", "prize", "jackpot", "sweepstakes",
                                     "giveaway"})
# Words that say the randomness is for something else.
BENIGN_WORDS = frozenset({
    "expiry", "expires", "expiration", "expire", "ttl", "timeout", "interval", "duration", "timestamp", "lifetime",
    "age", "jitter_seconds", "spread", "stagger",
    "jitter", "delay", "backoff", "sleep", "wait", "retry", "sample", "samples", "sampling", "shuffle", "shuffled",
    "color", "colour", "dice", "die", "roll", "game", "simulation", "simulate", "sim", "noise", "weight", "weights",
    "index", "idx", "port", "mock", "fake", "dummy", "test", "split", "train", "seed", "offset", "latency", "chance",
    "probability", "prob", "rate", "temperature", "epsilon", "jittered", "placeholder", "demo", "example", "fixture",
    "faker", "avatar", "emoji", "greeting", "quote", "tip", "name", "nickname", "username", "proxy", "server",
    "host", "node", "worker", "replica", "shard", "partition", "bucket", "variant", "experiment", "cohort", "ab",
})
PRIZE_WORDS = frozenset({"raffle", "lottery", "winner", "winners", "prize", "jackpot", "sweepstakes", "giveaway"})
ALPHABET_WORDS = frozenset({"alphabet", "chars", "characters", "charset", "letters", "digits", "symbols",
                            "punctuation", "alnum", "alphanumeric", "hex", "hexdigits", "pool", "char", "allowed"})
LINK_WORDS = ("reset", "verify", "token=", "confirm", "activate", "invite", "magic", "otp", "code=", "unsubscribe")
RESHAPERS = frozenset({"str", "hex", "format", "int", "bytes", "join", "zfill", "hexlify", "b64encode",
                       "urlsafe_b64encode", "b32encode", "UUID", "encode", "decode", "upper", "lower", "hexdigest",
                       "digest", "md5", "sha1", "sha256", "sha512", "blake2b", "to_bytes"})


class InsecureRandom(Rule):
    code = "CAV134"
    name = "insecure-random"
    category = "insecure-random"
    cwe = 338
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B311",)
    replaces = ("B311",)

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            if isinstance(call.func, ast.Name) and call.func.id in ctx.module_functions:
                self._helper_call(ctx, call)
                continue
            generator = self._generator(ctx, call)
            if generator is None:
                continue
            purpose = self._purpose(ctx, call)
            if purpose is None:
                continue
            func = ctx.source(call.func)
            if generator == "uuid1":
                advice = "use `secrets.token_urlsafe(32)` (or at least `uuid.uuid4()`)"
                what = "`uuid.uuid1()` is built from the clock and the MAC address"
            else:
                what = f"`{func}` is a predictable generator (Mersenne Twister: its outputs reveal its state)"
                advice = _advice(purpose)
            ctx.report(self, call, f"{what} but makes {purpose}; an attacker who sees a few values can predict the "
                                   f"next ones. {advice[0].upper()}{advice[1:]}.", fix=_fix(ctx, call, generator))

    def _helper_call(self, ctx: RuleContext, call: ast.Call) -> None:
        """``code = random_string(8)`` where the same-module helper returns a value of the
        `random` module: the helper has a neutral name (so it is not reported itself);
        the call site says what the value is for."""
        helper = ctx.module_functions.get(call.func.id)
        if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or ctx.qualified_name(call.func):
            return
        hwords = set(words(helper.name))
        if hwords & BENIGN_WORDS or _secret_name(helper.name) or hwords & SECURITY_FUNCTION_WORDS:
            return  # a benign helper, or one named for a secret (reported in its own body)
        generator = _returned_generator(ctx, helper)
        if generator is None:
            return
        purpose = self._purpose(ctx, call)
        if purpose is None:
            return
        ctx.report(self, call, f"`{helper.name}()` returns a value of `{generator}` (a predictable generator: its "
                               f"outputs reveal its state) and here it makes {purpose}; an attacker who sees a few "
                               f"values can predict the next ones. Make it with `secrets` instead "
                               f"({_advice(purpose)}).")

    @staticmethod
    def _generator(ctx: RuleContext, call: ast.Call, resolve: bool = True) -> str | None:
        func = call.func
        short = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
        if short not in RANDOM_FUNCS and short != "uuid1":
            return None
        name = ctx.qualified_name(call.func) or (resolved_call_name(ctx, call) if resolve else None) or ""
        if name == "uuid.uuid1":
            return "uuid1"
        short = name.rsplit(".", 1)[-1]
        if short not in RANDOM_FUNCS:
            return None
        if name.startswith(("random.SystemRandom", "secrets.")):
            return None
        if name.startswith(("random.", "numpy.random.")) and name.count(".") <= 3:
            return short
        return None

    def _purpose(self, ctx: RuleContext, call: ast.Call) -> str | None:
        """'the reset code `reset_code`' when the value is a secret, else None."""
        top = _climb(ctx, call)
        name, how = bound_name(ctx, top)
        parent = ctx.parent(top)
        if name is None and isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) \
                and parent.func.attr in ("append", "extend", "add", "insert") and isinstance(parent.func.value, ast.Name):
            name, how = parent.func.value.id, "assign"
        function = ctx.enclosing_function(call)
        fwords = set(words(function.name)) if function is not None else set()
        owner = ctx.enclosing(call, ast.ClassDef)
        cwords = set(words(owner.name)) - BENIGN_WORDS if owner is not None else set()
        if _picks_existing(ctx, call):
            # random.choice(servers): one existing item is picked, no secret is made; only
            # a prize draw (pick_winner) makes the pick itself the thing to protect.
            return f"the pick in `{function.name}()`" if function is not None and fwords & PRIZE_WORDS else None
        if name is not None and how != "compare":
            verdict = _secret_name(name, fwords | cwords)
            if verdict is False:
                return None
            if verdict:
                role = {"return": "the value returned by", "keyword": "the argument", "dict": "the field"}.get(how, "")
                return f"{role + ' ' if role else ''}`{name}{'()' if how == 'return' else ''}`"
        link = self._link(ctx, top)
        if link:
            return link
        if name is not None and how == "assign" and function is not None:
            stored = self._stored_as(ctx, top, function, fwords | cwords)
            if stored:
                return stored
        if _benign_use(ctx, top):
            return None
        if function is not None and not fwords & BENIGN_WORDS and (
                fwords & SECURITY_FUNCTION_WORDS or _secret_name(function.name)):
            return f"a value in `{function.name}()`"
        if owner is not None and _secret_name(owner.name) and not set(words(owner.name)) & BENIGN_WORDS:
            return f"values of `{owner.name}`"
        destination = security_destination(ctx, call)  # where the value goes: a cookie, the session...
        if destination:
            return f"a value stored in {destination}"
        return None

    def _stored_as(self, ctx: RuleContext, top: ast.AST, function: ast.AST, context: set[str]) -> str | None:
        """``voucher = ...; order.voucher_code = voucher`` / ``{"invite_code": code}`` /
        ``Invite(code=code)``: where a local holding the value goes next says what it is."""
        statement = ctx.parent(top)
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return None
        local = statement.targets[0].id
        for node in ast.walk(function):
            if not (isinstance(node, ast.Name) and node.id == local and isinstance(node.ctx, ast.Load)
                    and node.lineno > statement.lineno):
                continue
            use = node
            parent = ctx.parent(use)
            while isinstance(parent, (ast.FormattedValue, ast.JoinedStr, ast.BinOp)) or (
                    isinstance(parent, ast.Call) and use in parent.args
                    and (ctx.dotted_name(parent.func) or "").rsplit(".", 1)[-1] in RESHAPERS):
                use, parent = parent, ctx.parent(parent)
            name, how = bound_name(ctx, use)
            if name is not None and how in ("assign", "keyword", "dict") and _secret_name(name, context):
                return f"`{name}` (via `{local}`)"
            link = self._link(ctx, node)
            if link:
                return link
        return None

    @staticmethod
    def _link(ctx: RuleContext, node: ast.AST) -> str | None:
        """The value ends up in an f-string/format that builds a reset/verify link or message."""
        current = node
        for _ in range(4):
            parent = ctx.parent(current)
            if parent is None or isinstance(parent, ast.stmt):
                return None
            if isinstance(parent, ast.JoinedStr):
                text = "".join(v.value for v in parent.values if isinstance(v, ast.Constant) and isinstance(v.value, str)).lower()
                if any(word in text for word in LINK_WORDS):
                    return "a value put into a reset/verification link"
            current = parent
        return None


def _returned_generator(ctx: RuleContext, helper: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """``random.choices`` when ``helper`` returns a value made by the `random` module
    (directly, or through a local it assigns): ``return "".join(random.choices(...))``."""
    made: dict[str, str] = {}
    for node in ast.walk(helper):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = _generator_in(ctx, node.value)
            if found:
                made[node.targets[0].id] = found
    for node in ast.walk(helper):
        if isinstance(node, ast.Return) and node.value is not None:
            found = _generator_in(ctx, node.value)
            if found:
                return found
            for sub in ast.walk(node.value):
                if isinstance(sub, ast.Name) and sub.id in made:
                    return made[sub.id]
    return None


def _generator_in(ctx: RuleContext, node: ast.AST) -> str | None:
    """The `random` function (``random.choices``) whose output ``node`` is built from, if any."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call) or InsecureRandom._generator(ctx, sub, resolve=False) in (
                None, "shuffle", "seed", "sample"):
            continue
        short = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(sub.func, "id", "")
        if short == "choice" and not sub.args:
            continue
        return ctx.qualified_name(sub.func) or short
    return None


def _picks_existing(ctx: RuleContext, call: ast.Call) -> bool:
    """``random.choice(items)`` once, over something that is not an alphabet."""
    func = call.func
    short = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    if short not in ("choice", "sample", "shuffle") or not call.args:
        return False
    if ctx.enclosing(call, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.For, ast.While) is not None:
        return False
    if short == "sample" and (len(call.args) > 1 or call.keywords):
        population = call.args[0]
        if _alphabet(ctx, population):
            return False
    return not _alphabet(ctx, call.args[0])


def _alphabet(ctx: RuleContext, node: ast.AST) -> bool:
    """A string of characters to draw from: ``string.ascii_letters + string.digits``,
    ``"0123456789"``, ``ALPHABET``, ``list(CHARS)``."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _alphabet(ctx, node.left) or _alphabet(ctx, node.right)
    if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name) and node.func.id in ("list", "str"):
        return _alphabet(ctx, node.args[0])
    qualified = ctx.qualified_name(node) or ""
    if qualified.startswith("string."):
        return True
    name = ctx.dotted_name(node) or ""
    if set(words(name.rsplit(".", 1)[-1])) & ALPHABET_WORDS:
        return True
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        return value is not None and value is not node and _alphabet(ctx, value)
    return False


def _benign_use(ctx: RuleContext, node: ast.AST) -> bool:
    """The value goes straight into ``time.sleep(...)``, ``delay=...`` and the like."""
    parent = ctx.parent(node)
    if isinstance(parent, ast.keyword):
        return bool(set(words(parent.arg)) & BENIGN_WORDS)
    if isinstance(parent, ast.Call) and node in parent.args:
        callee = ctx.dotted_name(parent.func) or ""
        return bool(set(words(callee.rsplit(".", 1)[-1])) & (BENIGN_WORDS | {"timedelta", "sleep", "uniform"}))
    return False


def _climb(ctx: RuleContext, node: ast.expr) -> ast.expr:
    """From the random call up through what only reshapes its value:
    ``"".join(random.choice(a) for _ in range(8))``, ``str(random.randint(...))``,
    ``f"{random.getrandbits(64):x}"``, ``"%06d" % random.randint(...)``."""
    current = node
    while True:
        parent = ctx.parent(current)
        if isinstance(parent, (ast.GeneratorExp, ast.ListComp, ast.SetComp)) and parent.elt is current:
            current = parent
        elif isinstance(parent, ast.Call) and (current in parent.args or current is parent.func):
            callee = parent.func.attr if isinstance(parent.func, ast.Attribute) else (
                parent.func.id if isinstance(parent.func, ast.Name) else "")
            if callee not in RESHAPERS and not (current is parent.func):
                return current
            current = parent
        elif isinstance(parent, ast.Attribute) and isinstance(ctx.parent(parent), ast.Call) \
                and ctx.parent(parent).func is parent:
            if parent.attr not in RESHAPERS:
                return current
            current = ctx.parent(parent)
        elif isinstance(parent, ast.Attribute) and parent.attr in ("hex", "int", "bytes", "urn", "fields"):
            current = parent  # uuid.uuid1().hex
        elif isinstance(parent, ast.keyword) and isinstance(ctx.parent(parent), ast.Call) \
                and (ctx.qualified_name(ctx.parent(parent).func) or "").endswith("UUID"):
            current = ctx.parent(parent)
        elif isinstance(parent, (ast.BinOp, ast.FormattedValue, ast.JoinedStr, ast.Subscript)):
            current = parent
        else:
            return current


def _secret_name(name: str, context: set[str] = frozenset()) -> bool | None:
    """True: names a secret; False: names something benign; None: no opinion.
    ``context`` (the enclosing function's words) can qualify a bare noun:
    ``state`` in ``oauth_login``, ``code`` in ``send_verification``."""
    parts = words(name)
    if not parts:
        return None
    if set(parts) & BENIGN_WORDS:
        return False
    joined = "".join(parts)
    if set(parts) & SECRET_NOUNS or joined in SECRET_NOUNS or "apikey" in joined or "sessionid" in joined:
        return True
    head = parts[-1]
    qualifiers = QUALIFIED_NOUNS.get(head) or QUALIFIED_NOUNS.get(head[:-1] if head.endswith("s") else head)
    if qualifiers and (set(parts[:-1]) | set(context)) & qualifiers:
        return True
    return None


def _returned(ctx: RuleContext, node: ast.AST, function: ast.AST) -> bool:
    """``code = <random>; ...; return code`` in the same function."""
    parent = ctx.parent(node)
    if not (isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    return any(isinstance(n, ast.Return) and n.value is not None and any(
        isinstance(sub, ast.Name) and sub.id == name for sub in ast.walk(n.value)) for n in ast.walk(function))


def _advice(purpose: str) -> str:
    text = purpose.lower()
    if any(w in text for w in ("code", "otp", "pin", "passcode")):
        return "use `secrets.randbelow(10**6)` (formatted with `:06d`) or `secrets.choice` per digit"
    if any(w in text for w in ("password", "passwd", "pwd")):
        return "use `secrets.choice(alphabet)` for each character"
    if any(w in text for w in ("salt", "nonce", "iv")):
        return "use `secrets.token_bytes(16)` (or `os.urandom(16)`)"
    return "use `secrets.token_urlsafe(32)` or `secrets.token_hex(32)`"


def _fix(ctx: RuleContext, call: ast.Call, generator: str) -> Fix | None:
    if ctx.imports.get("secrets") != "secrets" or not (ctx.qualified_name(call.func) or "").startswith("random."):
        return None
    args = [ctx.source(a) for a in call.args]
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    text = None
    if generator == "choice" and len(args) == 1 and not call.keywords:
        text = f"secrets.choice({args[0]})"
    elif generator == "choices" and len(args) == 1 and [k.arg for k in call.keywords] == ["k"]:
        text = f"[secrets.choice({args[0]}) for _ in range({ctx.source(keyword(call, 'k').value)})]"
    elif generator == "getrandbits" and len(args) == 1 and not call.keywords:
        text = f"secrets.randbits({args[0]})"
    elif generator == "randbytes" and len(args) == 1 and not call.keywords:
        text = f"secrets.token_bytes({args[0]})"
    elif generator in ("randint", "randrange") and not call.keywords and 1 <= len(args) <= 2:
        values = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, int) else None for a in call.args]
        if len(args) == 1 and generator == "randrange":
            text = f"secrets.randbelow({args[0]})"
        elif len(args) == 2 and None not in values:
            low, high = values
            span = high - low + (1 if generator == "randint" else 0)
            text = f"secrets.randbelow({span})" + (f" + {low}" if low else "")
            parent = ctx.parent(call)
            if low and isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Subscript)):
                text = f"({text})"
    if text is None:
        return None
    return Fix(f"Use the `secrets` module: {text}", (ctx.replace(call, text),), safe=True)
