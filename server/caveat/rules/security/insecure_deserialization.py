"""## What it does

Detects deserializers that can run code chosen by whoever wrote the bytes: pickle and
its relatives (dill, cloudpickle, marshal, joblib, `pandas.read_pickle`, shelve,
jsonpickle), `torch.load` without `weights_only=True`, `numpy.load(..., allow_pickle=True)`,
`yaml.load` without a safe loader, `yaml.unsafe_load`/`full_load`, ruamel's
`YAML(typ="unsafe")` (sinks: `analysis/sinks.py`, family `deserialization`). Data from a
request or the network (`analysis/provenance.py`) is an error; other data (a file) a warning.

## Why is this bad?
Unpickling calls any importable callable the byte stream names (`os.system`...):
loading attacker-supplied bytes is remote code execution. Unsafe YAML loaders construct
arbitrary objects the same way. A downloaded model, a cookie, a shared Redis entry or an
upload are all attacker-supplied.

## Example
```python
@app.post("/import")
def import_data():
    return pickle.loads(request.data)

config = yaml.load(text, Loader=yaml.Loader)
model = torch.load(path)
```

## Use instead
```python
@app.post("/import")
def import_data():
    return json.loads(request.data)

config = yaml.safe_load(text)
model = torch.load(path, weights_only=True)
```

## What it does not flag
Safe loaders and flags, serialization, loads of bytes whose HMAC the same function
verified first (`hmac.compare_digest`), files at fixed paths the program ships or writes
(`joblib.load(MODEL_PATH)`), `pickle.loads(pickle.dumps(obj))` copies, and a cache
backend (a `cachelib.BaseCache` subclass) loading values from its own store, which is what
it is for (bytes from a network store are still reported).

## Fix safety
`yaml.load`/`unsafe_load`/`full_load` -> `yaml.safe_load` is safe for plain data.
`weights_only=True` and dropping `allow_pickle=True` are unsafe: whole pickled objects
stop loading. Pickle itself has no mechanical fix: switch the format.

## References
- https://cwe.mitre.org/data/definitions/502.html
- https://docs.python.org/3/library/pickle.html (the warning at the top)
- https://pytorch.org/docs/stable/generated/torch.load.html
"""
import ast

from caveat.analysis import provenance, sinks, taint
from caveat.analysis.taint import constant_value
from caveat.analysis.dataflow import UNKNOWN
from caveat.engine.findings import Severity
from caveat.rules.base import Rule
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, with_keyword, without_keyword
from caveat.rules.security._yaml_fix import safe_loader_fix, unsafe_loader

PICKLE_ADVICE = ("use a data-only format (`json`, `safetensors` for tensors) or verify an HMAC of the bytes with "
                 "`hmac.compare_digest` before loading")


class InsecureDeserialization(Rule):
    code = "CAV132"
    name = "insecure-deserialization"
    category = "insecure-deserialization"
    cwe = 502
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B301", "B302", "B506", "B614")
    replaces = ("B301", "B302")
    claims = (taint.REQUEST,)

    def check(self, ctx) -> None:
        for call, sink, _ in sinks.sink_calls(ctx, "deserialization"):
            f, role, fix = ctx.source(call.func), sink.role, None
            if role == "pickle":
                verb, advice = f"`{f}`{sink.note} runs code chosen by whoever wrote the bytes", PICKLE_ADVICE
            elif role == "shelve":
                verb, advice = f"`{f}` unpickles every value it reads", "store plain data with `json` or `sqlite3`"
            elif role in ("yaml", "yaml_load"):
                loader = unsafe_loader(ctx, call) if role == "yaml_load" else ""
                if loader is None:
                    continue  # a safe loader, or a custom one (bandit's B506 still looks at it)
                verb = f"`{f}`{loader} constructs arbitrary Python objects"
                advice, fix = f"use `{sink.note}`", safe_loader_fix(ctx, call, sink.note)
            elif role == "torch":
                weights = keyword(call, "weights_only")
                if weights is not None and not (isinstance(weights.value, ast.Constant) and weights.value.value is False):
                    continue  # True, or a variable the caller controls
                verb = f"`{f}` without `weights_only=True` unpickles the file"
                advice = "pass `weights_only=True` (or store weights with `safetensors`)"
                fix = single_edit_fix("Load tensors only (weights_only=True)", rewrite_expression(
                    ctx, call, lambda e: with_keyword(e, "weights_only", "True")), safe=False)
            elif role == "numpy":
                allow = keyword(call, "allow_pickle")
                if allow is None or not (isinstance(allow.value, ast.Constant) and allow.value.value is True):
                    continue
                verb, advice = f"`{f}(..., allow_pickle=True)` unpickles object arrays", \
                    "keep `allow_pickle=False` (the default) and store plain arrays"
                fix = single_edit_fix("Do not unpickle object arrays (drop allow_pickle=True)", rewrite_expression(
                    ctx, call, lambda e: without_keyword(e, "allow_pickle")), safe=False)
            else:  # ruamel: only ``YAML(typ="unsafe").load(...)``
                maker = call.func.value if isinstance(call.func, ast.Attribute) else None
                typ = keyword(maker, "typ") if isinstance(maker, ast.Call) else None
                if typ is None or not (isinstance(typ.value, ast.Constant) and typ.value.value == "unsafe"):
                    continue
                verb, advice = "ruamel `YAML(typ=\"unsafe\")` constructs arbitrary Python objects", \
                    "use `YAML(typ=\"safe\")`"
            self._report(ctx, call, sinks.argument(call, sink), verb, advice, fix)

    def _report(self, ctx, call, data, verb: str, advice: str, fix) -> None:
        if provenance.integrity_checked(ctx, call) or provenance.round_trip(ctx, data):
            return
        source, untrusted = provenance.untrusted_source(ctx, data)
        if untrusted:
            ctx.report(self, call, f"{verb}, and it loads {source}: that is remote code execution. Instead, {advice}.",
                       fix=fix, severity=Severity.ERROR, claim=provenance.untrusted_claim(ctx, data))
        elif not (provenance.constant_file(ctx, data) or provenance.cache_backend(ctx, call) or (data is not None and (
                constant_value(ctx, data) is not UNKNOWN or provenance.constant_data(ctx, data)))):
            where = f" {source}" if source else ""
            ctx.report(self, call, f"{verb}; loading{where} is code execution for anyone who can write that data. "
                                   f"Instead, {advice}.", fix=fix, severity=Severity.WARNING)
