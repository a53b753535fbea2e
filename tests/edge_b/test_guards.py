"""caveat.analysis.guards: which code shapes rule out None / empty values."""
import ast
import textwrap

import pytest

from caveat.analysis.guards import is_guarded, keys_for
from caveat.rules.base import RuleContext


def _query(source: str, kind: str) -> bool:
    """The use is a load of the key on the line marked ``# <- KEY`` (the first
    one, or the one numbered by ``# <- KEY#N``, counted from 0)."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    ctx = RuleContext(tree, source, {}, functions)
    lines = source.splitlines()
    line_no, key = next((i + 1, line.split("# <-")[1].strip()) for i, line in enumerate(lines) if "# <-" in line)
    key, _, nth = key.partition("#")
    uses = [n for n in ast.walk(tree) if getattr(n, "lineno", None) == line_no
            and isinstance(n, (ast.Name, ast.Attribute, ast.Call)) and isinstance(getattr(n, "ctx", ast.Load()), ast.Load)
            and ast.unparse(n) == key]
    assert uses, f"no use of {key} on line {line_no}"
    use = sorted(uses, key=lambda n: n.col_offset)[int(nth or 0)]
    return is_guarded(ctx, use, keys_for(use), kind)


GUARDED_NONE = {
    "if": """
        def f(s):
            m = re.match(p, s)
            if m:
                return m.group(1)  # <- m
    """,
    "if-is-not-none": """
        def f(s):
            m = re.match(p, s)
            if m is not None and m.group(1):
                return m.group(1)  # <- m
    """,
    "early-return": """
        def f(s):
            m = re.match(p, s)
            if not m:
                log.warning("no match")
                return None
            return m.group(1)  # <- m
    """,
    "early-raise-is-none": """
        def f(s):
            m = re.match(p, s)
            if m is None:
                raise ValueError(s)
            x = 1
            return m.group(1)  # <- m
    """,
    "continue-in-loop": """
        def f(lines):
            for s in lines:
                m = re.match(p, s)
                if m is None:
                    continue
                out.append(m.group(1))  # <- m
    """,
    "walrus-if": """
        def f(s):
            if (m := re.match(p, s)):
                return m.group(1)  # <- m
    """,
    "walrus-early-return": """
        def f(s):
            if (m := re.match(p, s)) is None:
                return None
            return m.group(1)  # <- m
    """,
    "assert": """
        def f(s):
            m = re.match(p, s)
            assert m, "bad input"
            return m.group(1)  # <- m
    """,
    "ifexp": """
        def f(s):
            m = re.match(p, s)
            return m.group(1) if m else None  # <- m
    """,
    "ifexp-negated": """
        def f(s):
            m = re.match(p, s)
            return None if m is None else m.group(1)  # <- m#1
    """,
    "and-chain": """
        def f(s):
            m = re.match(p, s)
            return m and m.group(1)  # <- m#1
    """,
    "or-chain": """
        def f(s):
            m = re.match(p, s)
            return m is None or m.group(1) == "x"  # <- m#1
    """,
    "try-attributeerror": """
        def f(s):
            try:
                return re.match(p, s).group(1)  # <- re.match(p, s)
            except (AttributeError, TypeError):
                return None
    """,
    "try-bare": """
        def f(s):
            m = re.match(p, s)
            try:
                return m.group(1)  # <- m
            except:
                return None
    """,
    "else-of-negative": """
        def f(s):
            m = re.match(p, s)
            if not m:
                x = 0
            else:
                x = m.group(1)  # <- m
            return x
    """,
    "repair": """
        def f(d):
            v = d.get("k")
            if v is None:
                v = {}
            return v["x"]  # <- v
    """,
    "comprehension-walrus": """
        def f(lines):
            return [m.group(1) for s in lines if (m := p.match(s))]  # <- m
    """,
    "while-walrus": """
        def f(s):
            while (m := p.search(s)):
                s = s[m.end():]  # <- m
    """,
    "nested-if-above": """
        def f(s):
            m = re.match(p, s)
            if not m:
                if strict:
                    raise ValueError(s)
                else:
                    return None
            return m.group(1)  # <- m
    """,
    "sys-exit": """
        def f(s):
            m = re.match(p, s)
            if not m:
                sys.exit("bad")
            return m.group(1)  # <- m
    """,
    "abort": """
        def view(s):
            user = users.get(s)
            if user is None:
                abort(404)
            return user.name  # <- user
    """,
    "helper-raises": """
        def not_found(what):
            raise LookupError(what)

        def view(s):
            user = users.get(s)
            if user is None:
                not_found(s)
            return user.name  # <- user
    """,
    "isinstance": """
        def f(d):
            v = d.get("k")
            if isinstance(v, str):
                return v.lower()  # <- v
    """,
    "or-early-return": """
        def f(a, s):
            m = re.match(p, s)
            if not a or m is None:
                return
            return m.group(1)  # <- m
    """,
    "suppress": """
        def f(s):
            m = re.match(p, s)
            with contextlib.suppress(AttributeError):
                return m.group(1)  # <- m
    """,
    "equality": """
        def f(d):
            v = d.get("mode")
            if v == "fast":
                return v.upper()  # <- v
    """,
}

UNGUARDED_NONE = {
    "plain": """
        def f(s):
            m = re.match(p, s)
            return m.group(1)  # <- m
    """,
    "guard-other-branch": """
        def f(s):
            m = re.match(p, s)
            if m:
                print(m.group(0))
            return m.group(1)  # <- m
    """,
    "guard-before-rebinding": """
        def f(s):
            m = re.match(p, s)
            if not m:
                return
            m = re.match(q, s)
            return m.group(1)  # <- m
    """,
    "non-terminating-check": """
        def f(s):
            m = re.match(p, s)
            if not m:
                log.warning("no match")
            return m.group(1)  # <- m
    """,
    "try-valueerror": """
        def f(s):
            m = re.match(p, s)
            try:
                return int(m.group(1))  # <- m
            except ValueError:
                return None
    """,
    "other-name": """
        def f(s, n):
            m = re.match(p, s)
            if n:
                return m.group(1)  # <- m
    """,
    "use-in-handler": """
        def f(s):
            m = re.match(p, s)
            try:
                pass
            except AttributeError:
                return m.group(1)  # <- m
    """,
    "raise-for-status": """
        def f(d, r):
            v = d.get("k")
            if v is None:
                r.raise_for_status()
            return v.lower()  # <- v
    """,
    "is-none-ifexp-wrong-way": """
        def f(s):
            m = re.match(p, s)
            return m.group(1) if m is None else None  # <- m
    """,
}

GUARDED_EMPTY = {
    "if-truthy": """
        def f(xs):
            if xs:
                return sum(xs) / len(xs)  # <- xs
    """,
    "len-eq-zero-return": """
        def f(xs):
            if len(xs) == 0:
                return 0.0
            return sum(xs) / len(xs)  # <- xs
    """,
    "len-lt-2-raise": """
        def f(xs):
            if len(xs) < 2:
                raise ValueError("need two")
            return xs[-1]  # <- xs
    """,
    "count-name": """
        def f(xs):
            n = len(xs)
            if n == 0:
                return 0
            return xs[0]  # <- xs
    """,
    "ifexp": """
        def f(xs):
            return max(xs) if xs else None  # <- xs
    """,
    "ifexp-len": """
        def f(xs):
            return sum(xs) / len(xs) if len(xs) > 0 else 0  # <- xs
    """,
    "for-body": """
        def f(xs):
            for x in xs:
                print(x / len(xs))  # <- xs
    """,
    "try-valueerror": """
        def f(xs):
            try:
                return max(xs)  # <- xs
            except ValueError:
                return None
    """,
    "assert-len": """
        def f(xs):
            assert len(xs) > 0
            return max(xs)  # <- xs
    """,
    "not-or-return": """
        def f(xs, ys):
            if not xs or not ys:
                return None
            return max(xs)  # <- xs
    """,
    "eq-empty-list": """
        def f(xs):
            if xs == []:
                return None
            return max(xs)  # <- xs
    """,
}

UNGUARDED_EMPTY = {
    "plain": """
        def f(xs):
            return sum(xs) / len(xs)  # <- xs
    """,
    "is-not-none": """
        def f(xs):
            if xs is not None:
                return max(xs)  # <- xs
    """,
    "len-gt-check-wrong-branch": """
        def f(xs):
            if len(xs) > 0:
                print("ok")
            return max(xs)  # <- xs
    """,
    "try-attributeerror": """
        def f(xs):
            try:
                return max(xs)  # <- xs
            except AttributeError:
                return None
    """,
    "repair-empty": """
        def f(xs):
            if not xs:
                xs = []
            return max(xs)  # <- xs
    """,
}


@pytest.mark.parametrize("name", sorted(GUARDED_NONE))
def test_guarded_none(name):
    assert _query(GUARDED_NONE[name], "none")


@pytest.mark.parametrize("name", sorted(UNGUARDED_NONE))
def test_unguarded_none(name):
    assert not _query(UNGUARDED_NONE[name], "none")


@pytest.mark.parametrize("name", sorted(GUARDED_EMPTY))
def test_guarded_empty(name):
    assert _query(GUARDED_EMPTY[name], "empty")


@pytest.mark.parametrize("name", sorted(UNGUARDED_EMPTY))
def test_unguarded_empty(name):
    assert not _query(UNGUARDED_EMPTY[name], "empty")


ALIASED = {
    "alias-none": ("""
        def f(d, i):
            is_sorted = i in d
            if is_sorted:
                return d.get(i).lower()  # <- d.get(i)
    """, False),
    "alias-is-not-none": ("""
        def f(s):
            m = re.match(p, s)
            ok = m is not None
            if ok:
                return m.group(1)  # <- m
    """, True),
    "getattr-falsy-default": ("""
        def f(attrs):
            meta = attrs.pop("Meta", None)
            abstract = getattr(meta, "abstract", False)
            if abstract:
                meta.abstract = False  # <- meta
    """, True),
    "while-true": ("""
        def f(s):
            m = re.match(p, s)
            if m is None:
                while True:
                    wait()
            return m.group(1)  # <- m
    """, True),
}


@pytest.mark.parametrize("name", sorted(ALIASED))
def test_aliased_conditions(name):
    source, expected = ALIASED[name]
    assert _query(source, "none") is expected
