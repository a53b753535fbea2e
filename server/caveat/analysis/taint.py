"""The user-input model shared by the security rules: where values come from.

One small intraprocedural evaluator answers "what is this expression built
from?" with a set of :class:`Origin` s. Rules ask two different questions of it:

* :func:`is_user_input` / :func:`user_input_sources` - is the expression (or
  anything it is built from) controlled by whoever sends the request or runs the
  script? Use this for sinks where *only* attacker-controlled data is a defect
  (shell commands, file paths, URLs fetched, HTML responses).
* :func:`is_constant` / :func:`unsafe_origins` - is the expression proven to be
  developer-controlled (literals, module constants, ``int()`` results, values
  checked against a literal allowlist)? Use this for sinks where interpolating
  *any* unproven value is already the defect - SQL text, ``Markup(...)`` - because
  the safe API (driver parameters, ``Markup.format``) exists precisely so values
  never enter the text.

Sources (``Origin.kind == "user"``):

* parameters of route handlers, except framework-injected ones (``request``,
  ``self``, ``Depends(...)``, ``Request``/``Session``/``BackgroundTasks`` ...) and
  parameters typed or converted to something that cannot carry text
  (``<int:id>`` in a Flask route, ``user_id: int`` / ``UUID`` / ``bool`` /
  ``Literal[...]`` in FastAPI). Route handlers are: functions decorated with
  ``@<x>.route/get/post/put/patch/delete/api_route/websocket(...)`` (Flask,
  blueprints, FastAPI apps and routers, Quart, Sanic, Litestar) or DRF's
  ``@api_view``; Django function views and Starlette/aiohttp endpoints (first
  parameter the request, by the evidence below); methods ``get/post/put/patch/delete`` of classes
  deriving from a view/resource/endpoint/handler class, or taking ``request``;
* attributes of the request object: ``request.args/form/values/json/data/files/
  headers/cookies/GET/POST/FILES/META/body/query_params/path_params/
  match_info/query/url/path/...``, its ``get_json()/get_data()``, awaited
  ``request.json()/form()/body()/text()/post()``, ``self.request...`` and
  Tornado's ``self.get_argument(...)`` family (``request.path`` not in a handler
  whose routes are all paths without variables: it is one of those paths). The request object is
  ``flask.request`` (and Quart's/Sanic's), or a parameter shown to be one by
  evidence, not by its name alone: annotated ``Request``/``HttpRequest``/
  ``web.Request``, or named ``request``/``req`` under a route decorator or
  used with request-only attributes (``req.args``, ``req.GET``,
  ``req.match_info``); ``request`` as a method's parameter or in a module
  importing a framework whose views are plain functions of the request (Django,
  Starlette, aiohttp, Pyramid), ``req`` there beside a ``resp`` parameter
  (Falcon). Elsewhere (Flask, FastAPI) a plain function taking ``request`` is a
  helper: its ``request`` is the request only when a function of the module
  passes it one, and its other parameters are not client data. A FastAPI body model
  named ``req`` is client data, and ``def f(req, location)`` is not a view,
  even in a module that imports Django;
* ``input()``, ``sys.argv``, ``sys.stdin``, ``argparse`` results (``args.x``
  after ``args = parser.parse_args()``);
* ``os.environ`` / ``os.getenv`` only when asked (``include_env=True``):
  Origin kind ``"env"``.

Everything else that is not constant has kind ``"unknown"`` (e.g. a parameter of
a function that is not a route handler, a database row, a call of an unknown
function on such a value). ``is_user_input`` ignores those; ``is_constant``
does not.

``request.args.get("page", type=int)`` is converted, not a source; a Django-style
view's extra parameters are URL captures unless they look like objects
(``template_name``, ``form``, one-letter names, defaults, non-``str`` types).

Flow: assignments (all bindings above the use, in every branch), augmented
assignments (also in loops), ``for`` targets and comprehensions, ``with ... as``,
list/dict/set mutation (``parts.append(x)``, ``d[k] = x``), f-strings, ``%``,
``.format``, ``+``, ``join``, string methods, containers, ``await``, the walrus,
pathlib's ``/`` (a join when the left side is a path - ``Path(BASE) / name``,
``UPLOAD_DIR / name``, ``base / "x"`` - or when user input is on either side;
a number on either side is arithmetic),
closures (names of the enclosing function), ``except ... as e`` (only inside its
handler), and simple helpers of the same module (``ctx.module_functions``: what
the helper returns, with its parameters replaced by the call's arguments;
``sql, params = build(...)`` takes the matching element of a returned tuple).

Sanitizers cut the flow: type conversions (``int/float/bool/uuid.UUID/
Decimal/len``), lookups in constant tables (``COLUMNS[key]``,
``SORTS.get(key, "id")``), and *guards* on a name above the use:
``if col not in {"name", "date"}: abort(400)`` (or raise / return / continue),
``if col in ALLOWED:`` (inside its body), ``assert col in ALLOWED``,
``if not re.fullmatch(PATTERN, col): raise``, ``if not col.isdigit(): ...``,
guards on attributes (``if flt.sort_by not in SORTABLE: raise``) and on parsed
views of a value (``if urlparse(url).hostname not in HOSTS``, also through
``parsed = urlparse(url)``; a scheme-only or suffix-only check is not enough),
``col = col if col in ALLOWED else "id"``, and a statement call of a
validating helper (``validate_column(col)``, or a same-module helper that
raises on a failed allowlist/regex test). A helper trusted by its name
(sanitize/validate/clean/...) must check *content* when we can read it (a
same-module function: regex, allowlist membership or lookup, comparison,
conversion, escaping, a parser); a ``validate_name`` that only checks
``len(name)`` sanitizes nothing. One we cannot see is trusted unless its name
says it measures (``validate_length``). Allowlists are literal
sets/lists/tuples/dicts, UPPER_CASE names or attributes (module constants),
names bound to such literals, and their ``.keys()``. Escaping functions are
kind-specific (``kind="html"``: ``html.escape``/``markupsafe.escape``/
``bleach.clean``...; ``"shell"``: ``shlex.quote``; ``"path"``:
``os.path.basename``/``secure_filename``; ``"url"``: ``urllib.parse.quote``;
``"regex"``: ``re.escape``);
helper names containing sanitize/escape/quote/clean/validate are trusted for
every kind; for ``kind="html"`` a template's ``.render()`` output is escaped. A
length check is *not* a sanitizer (see input-length-only). Some checks hold for
some kinds only (``GUARD_KINDS``): a value proven to be one quoted string literal
(``s.startswith("'") and s.endswith("'") and "'" not in s[1:-1]``) is safe as
code; a name refused when it holds ``..`` is safe as a path where it follows a
directory and a literal ``/`` in a string (``f"{BASE}/{name}"``), not under
``os.path.join``/pathlib, where an absolute name replaces the base. For SQL, a
same-module helper that returns its argument quoted with the quote doubled inside
(``"'" + s.replace("'", "''") + "'"``) is an escaper (``QUOTE_DOUBLING``).

An object built from the request object itself (``wrapped = Wrapper(request)``)
hands out client data through accessors named for it (``WRAPPED_ACCESSOR``:
``get_query_parameter``, ``get_cookie``, ``get_header``...).

Helpers seen from their calls: :func:`helper_sinks` evaluates a same-module
helper once per rule with its parameters as markers (``Origin("param",
name)``) to learn which parameter reaches the rule's sink inside it, so that
the rule reports the call that passes user input (``save_upload(f,
f.filename)``), where neither side alone shows the defect; :func:`effective_call`
sees through ``functools.partial``. Paths: :func:`is_pathlike`,
:func:`is_normalised` and :func:`has_containment_check` (``resolve()`` +
``is_relative_to``, ``commonpath``, ``root in p.parents``,
``realpath(p).startswith(base)``, or a same-module helper doing one).

Everything is memoized per rule context (one block), so each function is
indexed once and each expression evaluated once per kind. The memo is keyed by
the block's tree and module facts (the objects, not their ids): a context the
engine rebinds to another module context or block starts afresh. Values
computed while a helper's parameters are markers are memoized apart and
dropped afterwards; the markers live in the context's state, never on the
(shared) helper node.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from caveat.analysis.dataflow import UNKNOWN, Contents, Flow
from caveat.rules.base import RuleContext

# --------------------------------------------------------------------------- vocabulary

REQUEST_NAMES = frozenset({"request", "req", "rq"})
REQUEST_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "HTTPConnection", "WebSocket",
                           "BaseRequest", "HTTPServerRequest"})
CLIENT_REQUEST_MODULES = ("requests.", "httpx.", "urllib.", "urllib3.", "aiohttp.Client", "http.client.")
# Modules whose import says the code serves HTTP (a ``request`` parameter is then the request).
WEB_FRAMEWORKS = ("flask", "quart", "sanic", "django", "rest_framework", "ninja", "starlette", "fastapi",
                  "aiohttp.web", "tornado.web", "pyramid", "bottle", "falcon", "litestar", "werkzeug", "webob",
                  "cherrypy", "connexion", "chalice", "responder", "hug", "blacksheep", "robyn", "masonite",
                  "channels", "graphene_django", "strawberry")
# ... and of those, the frameworks whose views are plain functions taking the request first.
FUNCTION_VIEW_FRAMEWORKS = ("django", "rest_framework", "starlette", "aiohttp.web", "pyramid", "channels",
                            "graphene_django")
# Attributes (and methods) only a request object has: their use is evidence that a
# parameter named ``req`` is one (``url``, ``data``, ``path``, ``headers`` are not: an
# install requirement or an HTTP client's prepared request has those too).
REQUEST_EVIDENCE = frozenset({
    "args", "form", "values", "GET", "POST", "FILES", "META", "COOKIES", "cookies", "query_params",
    "path_params", "match_info", "view_args", "rel_url", "query_string", "query_arguments", "body_arguments",
    "get_json", "get_data", "build_absolute_uri", "get_full_path", "get_argument", "get_query_argument",
    "get_body_argument", "remote_addr", "user_agent", "is_json", "get_param", "get_header", "media",
    "url_params", "session", "accept_mimetypes", "endpoint", "blueprint", "is_secure", "is_ajax",
})
RESPONSE_NAMES = frozenset({"resp", "res", "response"})
REQUEST_MODULES = ("flask", "quart", "sanic", "werkzeug", "bottle", "pyramid")
# Attributes of a request object that carry client-controlled data.
# ``request.META`` keys that Django's own middleware sets (CsrfViewMiddleware): the server's values.
SERVER_META_KEYS = frozenset({"CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE", "CSRF_COOKIE_USED"})
REQUEST_ATTRS = frozenset({
    "args", "form", "values", "json", "data", "files", "headers", "cookies",
    "GET", "POST", "FILES", "META", "COOKIES", "body", "query_params", "path_params",
    "match_info", "query", "query_string", "url", "path", "full_path", "base_url",
    "url_root", "host", "host_url", "view_args", "stream", "raw_post_data",
    "content", "rel_url", "params", "form_data", "authorization", "environ",
    "referrer", "user_agent", "url_params", "query_arguments", "body_arguments",
    "arguments", "uri", "raw_args", "media", "PUT", "PATCH",
})
REQUEST_METHODS = frozenset({
    "get_json", "get_data", "json", "form", "body", "text", "post", "read",
    "get_body", "stream", "multipart", "get_full_path", "build_absolute_uri",
    "get_argument", "get_arguments", "get_query_argument", "get_query_arguments",
    "get_body_argument", "get_body_arguments", "get_cookie", "get_secure_cookie",
})
# Tornado RequestHandler methods returning client data (called on ``self``).
HANDLER_SELF_METHODS = frozenset({
    "get_argument", "get_arguments", "get_query_argument", "get_query_arguments",
    "get_body_argument", "get_body_arguments", "get_cookie", "get_json_body",
})
ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options",
    "api_route", "websocket", "websocket_route", "add_api_route", "view",
})
VIEW_DECORATORS = frozenset({"api_view", "view_config", "require_http_methods", "require_GET", "require_POST",
                             "require_safe", "csrf_exempt", "login_required", "action"})
VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options",
                          "list", "create", "retrieve", "update", "partial_update", "destroy",
                          "dispatch", "form_valid", "handle", "on_get", "on_post", "on_put",
                          "on_patch", "on_delete"})
# (A mixin alone is not a view: ``StorageSettingsMixin`` gives a storage backend's ``delete``.)
VIEW_BASES = re.compile(r"(View|ViewSet|Resource|Endpoint|Handler|APIView)$")
# Parameters a framework injects (never client text).
INJECTED_PARAM_NAMES = frozenset({"self", "cls", "request", "req", "db", "session", "background_tasks",
                                  "response", "websocket", "ws", "current_user", "user", "settings",
                                  "conn", "connection", "cursor", "app", "g", "context", "ctx"})
INJECTED_ANNOTATIONS = re.compile(
    r"(^|\.)(Request|HttpRequest|HTTPConnection|WebSocket|Response|BackgroundTasks|Session|"
    r"AsyncSession|Connection|AsyncConnection|Engine|User|SecurityScopes|HTTPAuthorizationCredentials|"
    r"OAuth2PasswordRequestForm|Depends|Annotated\[.*Depends.*\])$")
SAFE_ANNOTATIONS = re.compile(
    r"^(Optional\[|Annotated\[|typing\.Optional\[)?\s*(int|float|bool|complex|Decimal|decimal\.Decimal|"
    r"UUID|uuid\.UUID|UUID4|date|datetime|time|timedelta|datetime\.\w+|PositiveInt|NonNegativeInt|"
    r"conint\(.*\)|confloat\(.*\)|Literal\[.*\]|typing\.Literal\[.*\])\s*(\]|,.*\]|\s*\|\s*None)?$")
SAFE_CONVERTERS = frozenset({"int", "float", "uuid"})
# An application's own URL converter named for what it accepts (``app.url_map.converters["uuid_str"] =
# StrictUUIDConverter``): it matches that shape only.
SAFE_CONVERTER_NAME = re.compile(r"(^|_)(uuid|int|integer|float|number|digits|hex)(_|$)", re.I)
OBJECT_PARAM = re.compile(r"^_?(template\w*|context|status|content_type|using|form\w*|instance|obj|object|model|"
                          r"queryset|qs|user|page_obj|view|response|exception|exc|error|extra_context|"
                          r"\w+_class|\w+_form|kwargs|args|callback|func|next_view|site|admin_site)$")

CONVERSIONS = frozenset({
    "int", "float", "bool", "complex", "len", "abs", "round", "hash", "id", "ord", "isinstance",
    "uuid.UUID", "decimal.Decimal", "fractions.Fraction", "datetime.date", "datetime.datetime",
    "datetime.datetime.fromisoformat", "datetime.date.fromisoformat", "datetime.datetime.strptime",
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.date.today", "time.time",
    "math.floor", "math.ceil", "hmac.compare_digest", "secrets.compare_digest", "uuid.uuid4",
    "uuid.uuid1", "secrets.token_hex", "secrets.token_urlsafe", "callable", "hasattr", "any", "all",
    "sum", "min", "max", "ipaddress.ip_address", "ipaddress.ip_network", "flask.url_for", "url_for",
    "django.urls.reverse", "reverse", "flask.render_template", "render_template",
    "django.shortcuts.render", "render", "range", "enumerate.__index__",
})
ESCAPERS = {
    "html": frozenset({"html.escape", "markupsafe.escape", "flask.escape", "jinja2.escape",
                       "django.utils.html.escape", "django.utils.html.conditional_escape",
                       "django.utils.html.format_html", "markupsafe.Markup.escape", "bleach.clean",
                       "bleach.linkify", "cgi.escape", "xml.sax.saxutils.escape", "nh3.clean",
                       "markupsafe.Markup.format", "django.utils.html.strip_tags",
                       "werkzeug.utils.escape", "escape", "format_html"}),
    "shell": frozenset({"shlex.quote", "pipes.quote", "shlex.join", "mslex.quote"}),
    "path": frozenset({"os.path.basename", "werkzeug.utils.secure_filename", "secure_filename",
                       "posixpath.basename", "ntpath.basename", "pathvalidate.sanitize_filename",
                       "django.utils.text.get_valid_filename"}),
    "url": frozenset({"urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode",
                      "requests.utils.quote"}),
    "sql": frozenset(),
    "code": frozenset({"ast.literal_eval"}),
    "regex": frozenset({"re.escape", "regex.escape"}),
    "ldap": frozenset({"ldap3.utils.conv.escape_filter_chars", "ldap.filter.escape_filter_chars",
                       "ldap.dn.escape_dn_chars", "ldap3.utils.dn.escape_rdn", "escape_filter_chars"}),
    "xpath": frozenset(),
    "trust": frozenset(),
    "redirect": frozenset({"urllib.parse.quote", "urllib.parse.quote_plus", "django.utils.http.urlencode"}),
}
# Kinds where only what keeps the client's control of the value carries it: string
# building, string methods, encodings and escaping (representation, not authority), and
# same-module helpers we can read. The result of any other call (a lookup, a signature)
# or an attribute of an object is something the server made: a redirect to
# ``get_redirect(request, path).link`` or ``get_redirect_location(next, "index")`` goes where
# the application's table or checker says, not where the client wrote.
CLIENT_SHAPED_KINDS = frozenset({"trust", "redirect", "client"})
RESHAPING_CALL = re.compile(r"(^|\.)(str|bytes|(un)?quote\w*|\w*escape\w*|\w*(en|de)code\w*|b64\w*|base64\w*|"
                            r"(un)?hexlify|format|join|loads|dumps|strip|lower|upper|replace|normali[sz]e\w*|"
                            r"(Pure|Posix|Windows)?Path|abspath|normpath|realpath|expanduser)$")
# Kinds whose injection needs a quote to close the literal the value is put in, and no
# escape exists inside it (XPath 1.0): replacing the quote characters neutralises it.
# Methods of an object built from the request (``wrapped = RequestWrapper(request)``) that hand out
# the client's data, by name: ``wrapped.get_query_parameter("q")``, ``get_form_param``, ``get_cookie``,
# ``get_header``, ``get_arg``. (``get_safe_value``, ``get_user``, ``get_page`` are not.)
WRAPPED_ACCESSOR = re.compile(r"^_?get_(\w+_)?(param|parameter|params|parameters|arg|argument|args|arguments|form|"
                              r"query|cookie|cookies|header|headers|input)(_\w+)?$")
QUOTE_DELIMITED = {"xpath": "'\""}
# Kinds whose literals a helper can quote by wrapping the value in a quote and doubling that quote
# inside it (``"'" + s.replace("'", "''") + "'"``: SQL string literals, ``"..."`` identifiers).
QUOTE_DOUBLING = {"sql": "'\""}
# Kinds for which a helper named for escaping or quoting (``escape_for_html``) proves
# nothing: escaping changes how a value is written, not whether it may be trusted.
NO_NAME_SANITIZERS = frozenset({"trust"})
SANITIZER_NAME = re.compile(r"(^qn$|saniti[sz]e|(?<!un)escape|(?<!un)quote|clean|validate|whitelist|allowlist|(?<![a-z])safe_|"
                            r"_safe$|slugify|normali[sz]e_(column|field|sort|order)|get_valid_)", re.I)
VALIDATOR_CALL = re.compile(r"^_?(validate|check|ensure|assert|verify|require)_?", re.I)
# A predicate named for checking its argument's content, true when the value is acceptable
# (``is_valid(x)``, ``is_safe_url(next)``, ``is_safe_redirect_url(target)``, ``allowed_file(name)``).
VALIDATOR_PREDICATE = re.compile(r"(^|\.)_?(is_valid\w*|is_safe\w*|is_allowed\w*|valid|allowed\w*|is_\w+_valid|"
                                 r"validate\w*|\w*has_allowed_\w+|is_\w*(trusted|permitted|whitelisted|allowlisted)\w*)$")
# Library functions that check a value's content (by qualified name), true when it is acceptable.
LIBRARY_VALIDATORS = frozenset({
    "django.utils.http.url_has_allowed_host_and_scheme", "django.utils.http.is_safe_url",
    "django.utils.http.is_same_domain", "django.http.request.validate_host",
})
# A helper named for measuring, not checking content (``validate_length``, ``check_max_size``).
LENGTH_NAME = re.compile(r"(length|(^|_)len($|_)|size|(^|_)(max|min)(_|$)|limit|not_?empty|blank|(^|_)required$|"
                         r"present)", re.I)
# Calls that examine or transform a value's content (inside a validating helper).
CONTENT_CALLS = frozenset({"fullmatch", "match", "search", "startswith", "endswith", "replace", "translate",
                           "urlparse", "urlsplit", "ip_address", "ip_network", "ip_interface", "secure_filename",
                           "basename", "realpath", "commonpath", "is_relative_to", "relative_to", "literal_eval",
                           "strptime", "fromisoformat", "UUID", "Decimal", "escape", "quote", "quote_plus",
                           "validate_email", "parse_email", "parseaddr", "getaddrinfo", "gethostbyname"})
# String methods: result is built from the receiver (and the arguments).
TRANSPARENT_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "swapcase",
    "replace", "split", "rsplit", "splitlines", "partition", "rpartition", "join", "format",
    "format_map", "encode", "decode", "get", "getlist", "pop", "values", "items", "keys", "copy",
    "removeprefix", "removesuffix", "ljust", "rjust", "center", "zfill", "expandtabs", "translate",
    "setdefault", "read", "readline", "readlines", "getvalue", "to_dict", "dict", "model_dump",
    "get_all", "getall", "getone", "first", "as_posix", "resolve", "joinpath", "with_name",
})
PREDICATE_METHODS = frozenset({
    "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric",
    "isidentifier", "islower", "isupper", "isspace", "isascii", "istitle", "isprintable", "count",
    "find", "rfind", "index", "rindex", "exists", "is_file", "is_dir", "__len__", "__contains__",
    "is_relative_to", "match", "fullmatch", "search",
})
# Checks that make a value safe only for some kinds of sink: a value proven to be one quoted string
# literal (``s.startswith("'") and s.endswith("'") and "'" not in s[1:-1]``) evaluates to itself as
# Python code, but is still any text inside SQL, a path or a URL; a name refused when it holds
# ``..`` / ``../`` ("dots") stays inside a directory only where it follows that directory in a
# string (``f"{BASE}/{name}"``: an absolute name cannot replace the base, as it does in
# ``os.path.join(BASE, name)`` or ``BASE / name``; a trailing ``..`` names the directory's parent
# itself, not a file in it) - checked at the use (:meth:`_State._after_separator`); a name refused
# when it holds a quote character ("quotes": ``if "'" in name: abort(400)``) cannot close a quoted
# literal of a language whose literals cannot escape their quote (``QUOTE_DELIMITED``), as
# ``name.replace("'", "&apos;")`` cannot.
GUARD_KINDS = {"literal": frozenset({"code"}), "dots": frozenset({"path"}), "quotes": frozenset(QUOTE_DELIMITED)}
DOTS = ("..", "../", "..\\", "/..", "/../")
QUOTES = ("'", '"')
CONTENT_PREDICATES = frozenset({"isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric",
                                "isidentifier"})
# Functions whose result is a view of their argument: checking the result checks the argument.
DERIVING = frozenset({"urlparse", "urlsplit", "urlunparse", "realpath", "abspath", "normpath", "resolve",
                      "Path", "PurePath", "PurePosixPath", "basename", "splitext", "lower", "upper", "strip",
                      "casefold", "str", "unquote", "ip_address", "ip_network", "gethostbyname"})
REGEX_CHECKS = frozenset({"re.fullmatch", "re.match", "re.search", "regex.fullmatch", "regex.match"})
TERMINATORS = re.compile(r"(^|\.)(abort|exit|_exit|fail|deny|forbid|reject|bad_request|"
                         r"raise_\w+|error_response|http_error|PermissionDenied|"
                         r"HTTPException|Http404|SuspiciousOperation|ValidationError|"
                         r"BadRequest\w*|NotFound|Forbidden|Unauthorized)$")
UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
# pathlib: what makes a left operand of ``/`` a path.
PATH_TYPES = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath",
                        "AsyncPath", "UPath", "ZipPath", "Traversable"})
PATH_METHODS = frozenset({"joinpath", "resolve", "absolute", "with_name", "with_suffix", "with_stem", "expanduser",
                          "relative_to", "home", "cwd", "iterdir", "glob", "rglob"})
PATH_ANNOTATION = re.compile(r"(^|[\[.| ])(Path|PurePath|PosixPath|PurePosixPath|StrPath|PathLike\w*)\b")
PATH_WORDS = frozenset({"dir", "dirs", "directory", "folder", "path", "root", "base", "home", "dest",
                        "destination", "cwd", "location"})
# Calls that check a path stays inside a directory (or build one that does: ``safe_join``).
CONTAINMENT_CALLS = re.compile(r"(^|\.)(is_relative_to|relative_to|commonpath|commonprefix|safe_join|is_safe_path|"
                               r"safe_path|is_within\w*|within_directory|ensure_within\w*|is_subpath|is_inside\w*|"
                               r"contained_in|check_path\w*|validate_path\w*|_?safe_join|is_path_safe|assert_within\w*)$")
# Calls that make a path absolute and collapse its ``..`` segments (``startswith`` can then contain it).
NORMALISERS = frozenset({"realpath", "abspath", "normpath", "resolve"})
PARTIALS = frozenset({"functools.partial", "functools.partialmethod"})


@dataclass(frozen=True)
class Origin:
    """Where (part of) a value comes from. ``kind``: "user", "env" or "unknown".
    ``internal``: an "unknown" that is a parameter of a private function or method
    (``def _execute(self, commands)``): whatever its callers pass, which is where a rule
    judges the value (see :func:`maybe_external`)."""

    kind: str
    label: str
    internal: bool = False


NONE: frozenset[Origin] = frozenset()


# --------------------------------------------------------------------------- public API

def origins(ctx: RuleContext, expr: ast.AST, *, kind: str | None = None) -> frozenset[Origin]:
    """Every non-constant origin of ``expr`` after the sanitizers for ``kind``."""
    return _state(ctx).eval(expr, kind)


def is_user_input(ctx: RuleContext, expr: ast.AST, *, kind: str | None = None,
                  include_env: bool = False) -> bool:
    """Is ``expr``, or anything it is built from, controlled by the client / the
    person running the script? ``kind`` ("sql", "shell", "path", "url", "html",
    "code") also applies that kind's escaping functions as sanitizers."""
    wanted = ("user", "env") if include_env else ("user",)
    return any(o.kind in wanted for o in origins(ctx, expr, kind=kind))


def user_input_sources(ctx: RuleContext, expr: ast.AST, *, kind: str | None = None,
                       include_env: bool = False) -> list[str]:
    """Human-readable names of the user-input sources of ``expr`` (sorted, unique),
    e.g. ``request.args['q']`` or ``parameter `name` of route handler `greet```."""
    wanted = ("user", "env") if include_env else ("user",)
    return sorted({o.label for o in origins(ctx, expr, kind=kind) if o.kind in wanted})


LOCAL_SOURCES = ("sys.argv", "input()", "sys.stdin", "command-line arguments", "getpass.getpass()", "raw_input()")
# user-input labels that are not the request itself (an archive's member names: files.path_sources)
NOT_REQUEST = ("archive member",)


def remote_only(labels: list[str]) -> list[str]:
    """Drop sources controlled by the person running the program (``sys.argv``,
    ``input()``, argparse): a CLI that opens the path or fetches the URL it was
    given is doing its job, not being attacked."""
    return [label for label in labels if not label.startswith(LOCAL_SOURCES)]


# A finding's claim (``Finding.claim``) when the value reaching its sink is proven to come from the
# remote HTTP request (a request attribute, a route handler's URL capture, a request wrapper's
# accessor): a narrower claim than "a value not proven constant", with its own precision.
REQUEST = "request"


# A finding's claim when the value is proven, by where it flows, to be kept as a secret: stored
# in a cookie, the session or a credential file (``_names.security_destination(named=False)``),
# not merely named like one.
SECURITY_USE = "security-use"
# The taint kind of the request claim: only what keeps the client's own text carries it
# (``CLIENT_SHAPED_KINDS``); no kind-specific escaper is in its table (the rule's own kind applied them).
CLIENT = "client"


def request_claim_of(ctx: RuleContext, node: ast.AST, labels: Iterable[str]) -> str:
    """:data:`REQUEST` when one of ``labels`` (the user-input sources a rule found reaching its sink
    through ``node``) is the remote request and reaches ``node`` as the client's own text: through
    string building and string methods, encodings, path joins and same-module helpers only
    (kind :data:`CLIENT`). A field of an object built from the request, a file named by it, a
    record looked up with it or the answer of a service it was sent to is the application's data."""
    found = set(remote_only([label for label in labels if not label.startswith(NOT_REQUEST)]))
    if not found:
        return ""
    as_text = {o.label for o in origins(ctx, node, kind=CLIENT) if o.kind == "user"}
    return REQUEST if found & as_text else ""


def call_claim(ctx: RuleContext, call: ast.Call, labels: Iterable[str]) -> str:
    """:func:`request_claim_of` for a call of a helper that reaches the sink inside it: the
    claim of any of the call's positional arguments."""
    return max((request_claim_of(ctx, arg, labels) for arg in call.args), default="")


def unsafe_origins(ctx: RuleContext, expr: ast.AST, *, kind: str | None = None) -> list[Origin]:
    """Origins that are not proven developer-controlled (user input first)."""
    found = [o for o in origins(ctx, expr, kind=kind) if o.kind != "env"]
    return sorted(found, key=lambda o: (o.kind != "user", o.label))


def maybe_external(origins: Iterable[Origin]) -> list[Origin]:
    """The origins a "could this come from a user?" warning is about: neither user input
    (an error of its own), configuration, nor a private helper's parameter, whose
    callers choose the value (``_execute(event, commands)`` runs what its class was
    configured with; input passed to it is judged at the call)."""
    return [o for o in origins if o.kind not in ("user", "env") and not o.internal]


def is_constant(ctx: RuleContext, expr: ast.AST, *, kind: str | None = None) -> bool:
    """True when nothing but literals, module constants and sanitized values reach
    ``expr`` (environment variables count as configuration, i.e. constant)."""
    return not unsafe_origins(ctx, expr, kind=kind)


def is_sanitized(ctx: RuleContext, expr: ast.AST, kind: str | None = None) -> bool:
    """Is ``expr`` itself a sanitizer application (``int(x)``, ``shlex.quote(x)``
    for kind "shell", a constant-table lookup), or a name that a guard above the
    use validated (allowlist membership, regex full match, ``isdigit``)?"""
    state = _state(ctx)
    if isinstance(expr, ast.Name):
        return state.guarded(expr, kind)
    if isinstance(expr, ast.Call):
        return state.sanitizer(expr, kind)
    if isinstance(expr, ast.Subscript):
        return state.is_allowlist(expr.value)
    return False


def constant_value(ctx: RuleContext, expr: ast.AST) -> object:
    """The value ``expr`` always has where it is evaluated (literals, and names and
    arithmetic the flow core folds), or :data:`caveat.analysis.dataflow.UNKNOWN`."""
    if isinstance(expr, ast.Constant):
        return expr.value
    return _state(ctx).constant(expr)


def contents(ctx: RuleContext, name: ast.Name) -> Contents | None:
    """What the list or dict bound to ``name`` holds where it is read (built in this
    function: literal, ``append``/``insert``/``x[k] = v``..., joined over branches), or None."""
    flow = _state(ctx).flow(_state(ctx).enclosing_function(name))
    return flow.contents(name) if flow is not None else None


def is_validated(ctx: RuleContext, name: ast.Name) -> bool:
    """A guard above this use checks the *content* of ``name`` (allowlist,
    regex, ``isdigit``...) - length checks do not count."""
    return _state(ctx).guarded(name)


def is_trusted_validator(ctx: RuleContext, func: ast.AST) -> bool:
    """Does calling ``func`` (a validating/sanitizing helper) check its argument's
    content? A same-module helper is read: it must test content (regex, allowlist,
    comparison, conversion, escaping, a parser), not only length. One we cannot
    see is trusted unless its name says it measures (``validate_length``)."""
    return _state(ctx).trusted_helper(func)


def handler_info(ctx: RuleContext, func: ast.AST | None) -> "Handler | None":
    """The route-handler facts of ``func`` (None when it is not a handler)."""
    if func is None or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return _state(ctx).handler(func)


def is_route_handler(ctx: RuleContext, func: ast.AST | None) -> bool:
    return handler_info(ctx, func) is not None


def request_source(ctx: RuleContext, expr: ast.AST) -> str | None:
    """``request.args.get("q")`` -> "request.args['q']": the label when ``expr``
    reads client data from a request object directly, else None."""
    return _state(ctx).request_label(expr, _scope_of(ctx, _state(ctx), expr))


def is_request_object(ctx: RuleContext, expr: ast.AST) -> bool:
    return _state(ctx).is_request(expr, _scope_of(ctx, _state(ctx), expr))


def is_allowlist(ctx: RuleContext, expr: ast.AST) -> bool:
    """A literal collection of constants, an UPPER_CASE constant, a name bound
    to such a literal, or ``.keys()`` of one."""
    return _state(ctx).is_allowlist(expr)


def bindings_before(ctx: RuleContext, name: ast.Name) -> list["Binding"]:
    """The bindings of ``name`` in its function that can reach the use (all
    branches, loop-carried ones included), in source order."""
    if not isinstance(name, ast.Name):
        return []  # ``params["id"]``, ``token.get("user")``: not a name, nothing binds it
    state = _state(ctx)
    scope = _scope_of(ctx, state, name)
    return state.reaching(scope, name)


def function_of(ctx: RuleContext, node: ast.AST) -> ast.AST | None:
    """The innermost function around ``node`` (also inside same-module helpers)."""
    state = _state(ctx)
    scope = _scope_of(ctx, state, node)
    return scope.node if isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def read_helper(ctx: RuleContext, helper: ast.AST) -> None:
    """Make the nodes of a same-module helper (from ``ctx.module_functions``, outside the
    block) navigable, so that questions about them (``origins``, ``parent_of``) have answers."""
    _state(ctx).index_helper(helper)


def parent_of(ctx: RuleContext, node: ast.AST) -> ast.AST | None:
    """``ctx.parent`` that also works inside helpers from ``ctx.module_functions``."""
    return _state(ctx).parent(node)


def is_pathlike(ctx: RuleContext, expr: ast.AST, *, strict: bool = False) -> bool:
    """Is ``expr`` a ``pathlib`` path (``Path(...)``, ``BASE / name``, ``p.joinpath(x)``,
    ``p.parent``, a parameter annotated ``Path``, a name bound to one of those, or -
    unless ``strict`` - a name that says it is one: ``UPLOAD_DIR``, ``base_path``)?
    Use ``strict`` where a ``str`` has the same method (``p.replace(a, b)``);
    otherwise the receiver of a path-only method that is a division of two
    non-numbers (``(EXPORTS / name).read_text()``) is a pathlib join too."""
    state = _state(ctx)
    return state.pathlike(expr, strict=strict) or (not strict and state.divides(expr))


def is_normalised(ctx: RuleContext, expr: ast.AST) -> bool:
    """``os.path.realpath(p)``, ``p.resolve()``, ``str(p.resolve())``, or a name every
    reaching binding of which is one: a path whose ``..`` segments are collapsed,
    so that a ``startswith(BASE)`` test on it means something."""
    return _state(ctx).normalised(expr)


def has_containment_check(ctx: RuleContext, function: ast.AST, *, before: int | None = None) -> bool:
    """Does ``function`` (on or above line ``before``) check that a path stays inside a
    directory? ``resolve()`` + ``is_relative_to``/``relative_to``, ``os.path.commonpath``,
    ``safe_join``, an ``is_safe_path``-style call, ``normalised.startswith(base)``,
    ``root in p.parents``, or a call of a same-module helper that does one of
    those (``resolve_upload(name)``, which also returns the checked path, counts
    on the line that calls it)."""
    return _state(ctx).contains_paths(function, before)


def effective_call(ctx: RuleContext, call: ast.Call) -> ast.Call:
    """What ``call`` really calls when its callee is a ``functools.partial``:
    ``fetch = partial(requests.get, timeout=5); fetch(url)`` ->
    ``requests.get(url, timeout=5)`` (a new node placed at ``call``, made of the
    original argument nodes, so the model answers questions about them). Any
    other call is returned as it is."""
    return _state(ctx).effective_call(call)


# Calls whose result says nothing of their argument's value (a value flows no further).
OPAQUE_RESULTS = frozenset({"len", "bool", "isinstance", "print", "hash", "id", "type", "callable", "hasattr",
                            "logging.info", "logging.debug"})
# Methods called on a value that consume it without handing it on.
CONSUMING_METHODS = frozenset({"update", "write", "append", "extend", "add", "insert", "close", "put", "send",
                               "sendall", "set", "remove", "discard", "clear"})


def flows_to(ctx: RuleContext, expr: ast.AST, limit: int = 200) -> Iterator[ast.AST]:
    """Forward from ``expr``: every expression its value is built into, in order of
    discovery - enclosing f-strings, concatenations, containers, method results
    (``h.digest()``), call results (``str(x)``, ``b64encode(x)``) - and, through
    assignments to local names, every read that assignment reaches (the flow core's
    answer) and what those reads are built into. A store (``d[k] = value``,
    ``obj.attr = value``) yields its target. Callers look at each node's parent to
    find the uses they care about (a call it is passed to, a store)."""
    state = _state(ctx)
    seen: set[ast.AST] = set()
    work = [expr]
    while work and len(seen) < limit:
        node = work.pop(0)
        if node in seen:
            continue
        seen.add(node)
        yield node
        parent = state.parent(node)
        if parent is None:
            continue
        if isinstance(parent, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.BoolOp, ast.Tuple, ast.List,
                               ast.Set, ast.Dict, ast.Starred, ast.Await, ast.NamedExpr)) or \
                isinstance(parent, ast.IfExp) and node is not parent.test or \
                isinstance(parent, ast.Subscript) and node is parent.value and isinstance(parent.ctx, ast.Load):
            work.append(parent)
        elif isinstance(parent, ast.keyword):
            work.append(parent)
        elif isinstance(parent, ast.Attribute) and node is parent.value:
            call = state.parent(parent)
            if isinstance(call, ast.Call) and call.func is parent and parent.attr not in CONSUMING_METHODS:
                work.append(call)
        elif isinstance(parent, ast.Call) and node is not parent.func:
            name = ctx.qualified_name(parent.func) or _dotted(parent.func) or ""
            if name not in OPAQUE_RESULTS:
                work.append(parent)
        elif isinstance(parent, (ast.Assign, ast.AnnAssign)) and node is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            flow = state.flow(state.enclosing_function(parent))
            for target in targets:
                if isinstance(target, ast.Name) and flow is not None:
                    work.extend(sorted(flow.uses(parent), key=_pos))
                elif isinstance(target, (ast.Subscript, ast.Attribute)):
                    yield target


@dataclass
class HelperSink:
    """A call of a same-module helper that passes user input (``sources``) to the
    helper's parameter ``param``, which reaches ``sink`` inside the helper."""

    helper: ast.FunctionDef | ast.AsyncFunctionDef
    param: str
    sink: ast.AST
    sources: list[str]


# finder(helper) -> [(sink node, origins of the value that reaches it)], evaluated by the
# rule (with ``origins`` & co.) while the helper's parameters are markers.
SinkFinder = Callable[[ast.AST], Iterable[tuple[ast.AST, Iterable[Origin]]]]


def helper_sinks(ctx: RuleContext, call: ast.Call, code: str, finder: SinkFinder, *,
                 kind: str | None = None) -> list[HelperSink]:
    """The sinks a same-module helper reaches from its parameters, for a ``call`` of
    it (also through ``functools.partial``) that passes user input to such a
    parameter: ``save_upload(f, f.filename)`` with ``def save_upload(storage,
    filename): storage.save(os.path.join(DIR, filename))``. Lets a rule report
    where the input enters, when neither the caller nor the helper alone shows
    the defect.

    ``finder`` lists the rule's sinks inside the helper with the origins of their
    values; it runs once per helper and rule ``code`` (per block), while the
    helper's parameters evaluate to ``Origin("param", name)``. The arguments are
    then evaluated at the call with ``kind``'s sanitizers (``secure_filename(...)``
    passed for a path is not input any more)."""
    return _state(ctx).helper_sinks(call, code, finder, kind)


# --------------------------------------------------------------------------- internals

@dataclass
class Binding:
    """One binding of a name: ``kind`` is assign / aug / for / comp / with / param /
    mutate (``x.append(v)``, ``x[k] = v``) / opaque (except, import, unpacking...)."""

    kind: str
    stmt: ast.AST          # the statement (or comprehension) that binds
    value: ast.AST | None  # assigned value / iterable / appended value
    pos: tuple[int, int]   # where the binding takes effect
    target: ast.AST | None = None
    index: int | None = None  # position in an unpacked tuple (``a, b = f()``)


@dataclass
class Handler:
    """A route handler: ``framework`` guess and per-parameter facts."""

    func: ast.AST
    framework: str
    user_params: frozenset[str]
    safe_params: frozenset[str]
    request_params: frozenset[str]
    fixed_path: bool = False  # every route it serves is a path without variables: ``request.path`` is one of them


@dataclass
class _Scope:
    node: ast.AST
    parent_scope: "_Scope | None"
    names: dict[str, list[Binding]] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    guards: dict[str, list[tuple[str, ast.AST]]] = field(default_factory=dict)
    # guards that make a value safe for some sink kinds only (GUARD_KINDS): name -> (how, node, check)
    kinded: dict[str, list[tuple[str, ast.AST, str]]] = field(default_factory=dict)
    loops: list[ast.AST] = field(default_factory=list)


def block_memo(ctx: RuleContext, name: str, build):
    """``build()`` once per block and module context (``RuleContext.memo``: the engine
    counts what the memo reads as read by every rule that uses it)."""
    return ctx.memo(name, build)


def _state(ctx: RuleContext) -> "_State":
    return block_memo(ctx, "taint", lambda: _State(ctx))


def _scope_of(ctx: RuleContext, state: "_State", node: ast.AST) -> _Scope:
    func = state.enclosing_function(node)
    return state.scope(func)


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _terminates(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        name = _dotted(last.value.func) or ""
        return bool(TERMINATORS.search(name)) or name in {"sys.exit", "exit", "quit", "os._exit"}
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    return False


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        if inner:
            return ".".join([inner + "()", *reversed(parts)])
    return None


def _names_in(node: ast.AST) -> Iterable[ast.Name]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub


class _State:
    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.scopes: dict[int, _Scope] = {}
        self.memo: dict[tuple[int, str | None], frozenset[Origin]] = {}
        self.active: set[tuple[int, str | None]] = set()
        self.handlers: dict[int, Handler | None] = {}
        self.helper_parents: dict[ast.AST, ast.AST] = {}
        self.helper_summaries: dict[tuple, tuple[frozenset[Origin], dict[str, bool]]] = {}
        self.indexed_helpers: set[int] = set()
        self.guard_memo: dict[tuple[int, str | None], bool] = {}
        self.request_params: dict[tuple[int, str], bool] = {}
        self.content_helpers: dict[int, bool] = {}
        self._web: bool | None = None
        self._function_views: bool | None = None
        self.request_callers: set[int] = set()
        self._scope_for_checks: _Scope | None = None
        self.marked: set[int] = set()  # helpers whose parameters evaluate to Origin("param", name)
        self.sink_summaries: dict[tuple[int, str], list[tuple[ast.AST, frozenset[str]]]] = {}
        self.containment: dict[int, bool] = {}
        self.partials: dict[int, ast.Call] = {}
        self.flows: dict[ast.AST, Flow] = {}

    # --- order, branches, constants, containers (analysis/dataflow.py) ----------
    def flow(self, func: ast.AST | None) -> Flow | None:
        """The flow-sensitive facts of a function (None at module level)."""
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        found = self.flows.get(func)
        if found is None:
            found = self.flows[func] = Flow(func)
        return found

    def stored(self, expr: ast.AST) -> frozenset | None:
        flow = self.flow(self.enclosing_function(expr))
        return flow.stored(expr) if flow is not None else None

    def constant(self, expr: ast.AST) -> object:
        """The constant value of ``expr`` where it is evaluated, or UNKNOWN."""
        flow = self.flow(self.enclosing_function(expr))
        return flow.constant(expr) if flow is not None else UNKNOWN

    def unreachable(self, expr: ast.AST) -> bool:
        """Is ``expr`` in a statement no path of its function reaches (after a
        ``return``, in a branch whose test is a constant that says no)?"""
        func = self.enclosing_function(expr)
        flow = self.flow(func)
        if flow is None:
            return False
        stmt = self._statement(expr)
        return stmt is not None and self.enclosing_function(stmt) is func and not flow.reachable(stmt)

    # --- tree navigation (block or same-module helper) --------------------
    def parent(self, node: ast.AST) -> ast.AST | None:
        found = self.ctx.parent(node)
        if found is None:
            found = self.helper_parents.get(node)
        return found

    def enclosing_function(self, node: ast.AST) -> ast.AST | None:
        current = self.parent(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return current
            current = self.parent(current)
        return None

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        current = self.parent(node)
        while current is not None:
            if isinstance(current, ast.ClassDef):
                return current
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                pass
            current = self.parent(current)
        return None

    def index_helper(self, func: ast.AST) -> None:
        if id(func) in self.indexed_helpers or self.ctx.parent(func) is not None or func is self.ctx.tree:
            return
        self.indexed_helpers.add(id(func))
        for parent in ast.walk(func):
            for child in ast.iter_child_nodes(parent):
                self.helper_parents[child] = parent

    @contextmanager
    def marking(self, helper: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[None]:
        """Evaluate inside ``helper`` with its parameters as markers
        (``Origin("param", name)``), to learn which parameter reaches a return or a
        sink. The marker lives in this state, not on the helper's node (which the
        contexts of other blocks share), and what is evaluated meanwhile is memoized
        apart: those values describe the helper in general and must not be served
        to later questions, nor values memoized earlier (``unknown`` where a marker
        belongs) be served while marking."""
        self.index_helper(helper)
        if id(helper) in self.marked:
            yield
            return
        saved, self.memo = self.memo, {}
        self.marked.add(id(helper))
        try:
            yield
        finally:
            self.marked.discard(id(helper))
            self.memo = saved

    # --- scopes -------------------------------------------------------------
    def scope(self, func: ast.AST | None) -> _Scope:
        key = id(func) if func is not None else 0
        found = self.scopes.get(key)
        if found is not None:
            return found
        node = func if func is not None else self.ctx.tree
        outer = self.enclosing_function(func) if func is not None else None
        parent_scope = self.scope(outer) if func is not None else None
        scope = _Scope(node, parent_scope)
        self.scopes[key] = scope
        self._index(scope)
        return scope

    def _add(self, scope: _Scope, name: str, binding: Binding) -> None:
        scope.names.setdefault(name, []).append(binding)

    def _index(self, scope: _Scope) -> None:
        node = scope.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            all_args = args.posonlyargs + args.args + args.kwonlyargs
            if args.vararg:
                all_args.append(args.vararg)
            if args.kwarg:
                all_args.append(args.kwarg)
            for arg in all_args:
                scope.params.append(arg.arg)
                self._add(scope, arg.arg, Binding("param", node, None, (0, 0), arg))
            body: list[ast.AST] = node.body if isinstance(node.body, list) else [node.body]
        else:
            body = list(node.body) if hasattr(node, "body") else []
        stack = list(reversed(body))
        while stack:
            sub = stack.pop()
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._add(scope, sub.name, Binding("opaque", sub, None, _pos(sub)))
                for deco in sub.decorator_list:
                    stack.append(deco)
                continue
            if isinstance(sub, ast.Lambda):
                continue
            self._bind(scope, sub)
            stack.extend(reversed(list(ast.iter_child_nodes(sub))))
        for bindings in scope.names.values():
            bindings.sort(key=lambda b: b.pos)

    def _bind(self, scope: _Scope, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(scope, target, node, node.value, "assign")
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._bind_target(scope, node.target, node, node.value, "assign")
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                self._add(scope, node.target.id, Binding("aug", node, node.value, _end(node)))
            else:
                self._mutation(scope, node.target, node, node.value)
        elif isinstance(node, ast.NamedExpr):
            self._add(scope, node.target.id, Binding("assign", node, node.value, _end(node)))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            scope.loops.append(node)
            self._bind_target(scope, node.target, node, node.iter, "for")
        elif isinstance(node, (ast.While,)):
            scope.loops.append(node)
        elif isinstance(node, ast.comprehension):
            self._bind_target(scope, node.target, node, node.iter, "comp")
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind_target(scope, node.optional_vars, node, node.context_expr, "with")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._add(scope, node.name, Binding("except", node, node.type, _pos(node)))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                self._add(scope, local, Binding("import", node, None, _pos(node)))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self._add(scope, name, Binding("global", node, None, _pos(node)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in {
                    "append", "extend", "add", "update", "insert", "appendleft", "extendleft", "write",
                    "setdefault"}:
                for arg in call.args[1:] if func.attr in {"insert", "setdefault"} else call.args:
                    self._add(scope, func.value.id, Binding("mutate", node, arg, _end(node)))
                for kw in call.keywords:
                    self._add(scope, func.value.id, Binding("mutate", node, kw.value, _end(node)))
        elif isinstance(node, ast.If):
            self._guards(scope, node)
        elif isinstance(node, ast.Assert):
            self._scope_for_checks = scope
            for name, how in self._positive_checks(node.test):
                self._guard(scope, name, how, "after", node)

    def _bind_target(self, scope: _Scope, target: ast.AST, stmt: ast.AST, value: ast.AST, kind: str) -> None:
        where = _end(stmt) if kind in ("assign", "with") else _pos(stmt)
        if kind == "for":
            where = _end(stmt.iter)
        if kind == "comp":
            where = _pos(target)
        if isinstance(target, ast.Name):
            self._add(scope, target.id, Binding(kind, stmt, value, where, target))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) else None
            for i, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    element = element.value
                if values is not None:
                    self._bind_target(scope, element, stmt, values[i], kind)
                elif isinstance(element, ast.Name):
                    # Unpacking: every element is built from the whole value, except the
                    # index of enumerate() and constants.
                    sub_kind = kind
                    if kind in ("for", "comp") and i == 0 and isinstance(value, ast.Call) and _dotted(value.func) == "enumerate":
                        sub_kind = "index"
                    self._add(scope, element.id, Binding(sub_kind if sub_kind == "index" else kind + "*",
                                                         stmt, value, where, element, index=i))
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            self._mutation(scope, target, stmt, value)

    def _mutation(self, scope: _Scope, target: ast.AST, stmt: ast.AST, value: ast.AST) -> None:
        base = target
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name) and isinstance(target, ast.Subscript):
            self._add(scope, base.id, Binding("mutate", stmt, value, _end(stmt)))

    # --- guards -------------------------------------------------------------
    def _guards(self, scope: _Scope, node: ast.If) -> None:
        self._scope_for_checks = scope
        for name, how in self._positive_checks(node.test):
            self._guard(scope, name, how, "body", node)
            if _terminates(node.orelse):
                self._guard(scope, name, how, "after", node)
        for name, how in self._negative_checks(node.test):
            if _terminates(node.body) or _rebinds_constant(node.body, name):
                # ``if not valid(url): abort(400)`` / ``if not valid(url): url = DEFAULT``
                self._guard(scope, name, how, "after", node)
            self._guard(scope, name, how, "else", node)

    @staticmethod
    def _guard(scope: _Scope, name: str, check: str, where: str, node: ast.AST) -> None:
        if check in GUARD_KINDS:
            scope.kinded.setdefault(name, []).append((where, node, check))
        else:
            scope.guards.setdefault(name, []).append((where, node))

    def _positive_checks(self, test: ast.AST) -> list[tuple[str, str]]:
        """Names whose content ``test`` proves valid when it is true."""
        found: list[tuple[str, str]] = self._quoted_literal(test, positive=True)
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            for value in test.values:
                found.extend(self._positive_checks(value))
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            found.extend(self._negative_checks(test.operand))
        elif isinstance(test, ast.Compare) and len(test.ops) == 1:
            op = test.ops[0]
            left, right = test.left, test.comparators[0]
            if isinstance(op, ast.In) and self.is_allowlist(right):
                found.extend((n, "allowlist") for n in self._checked_names(left, self._scope_for_checks))
            elif isinstance(op, (ast.IsNot, ast.NotEq)) and _is_none(right) and isinstance(left, ast.Call):
                found.extend(self._regex_names(left))
            elif isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
                found.extend((n, "equals") for n in self._checked_names(left, self._scope_for_checks))
            elif isinstance(op, ast.NotIn) and isinstance(left, ast.Constant) and left.value in DOTS \
                    and isinstance(right, ast.Name):
                found.append((right.id, "dots"))  # ``if ".." not in name: open(f"{BASE}/{name}")``
            elif isinstance(op, ast.NotIn) and isinstance(left, ast.Constant) and left.value in QUOTES \
                    and isinstance(right, ast.Name):
                found.append((right.id, "quotes"))  # ``if "'" not in name: root.xpath(f"...'{name}'")``
        elif isinstance(test, ast.Call):
            found.extend(self._regex_names(test))
            func = test.func
            if isinstance(func, ast.Attribute) and func.attr in CONTENT_PREDICATES:
                found.extend((n, "predicate") for n in self._checked_names(func.value, self._scope_for_checks))
            name = _dotted(func) or ""
            if name.split(".")[-1] in {"isinstance"} and len(test.args) == 2:
                kinds = _dotted(test.args[1]) or ""
                if kinds in {"int", "float", "bool"}:
                    found.extend((n, "type") for n in self._checked_names(test.args[0], self._scope_for_checks))
            elif (VALIDATOR_PREDICATE.search(name) or self.ctx.qualified_name(func) in LIBRARY_VALIDATORS) \
                    and self.trusted_helper(func):
                for arg in [*test.args, *(keyword.value for keyword in test.keywords)]:
                    found.extend((n, "validator") for n in self._checked_names(arg, self._scope_for_checks))
        return found

    def _negative_checks(self, test: ast.AST) -> list[tuple[str, str]]:
        """Names whose content is proven valid when ``test`` is false."""
        found: list[tuple[str, str]] = self._quoted_literal(test, positive=False)
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
            for value in test.values:
                found.extend(self._negative_checks(value))
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            found.extend(self._positive_checks(test.operand))
        elif isinstance(test, ast.Compare) and len(test.ops) == 1:
            op = test.ops[0]
            left, right = test.left, test.comparators[0]
            if isinstance(op, ast.NotIn) and self.is_allowlist(right):
                found.extend((n, "allowlist") for n in self._checked_names(left, self._scope_for_checks))
            elif isinstance(op, (ast.Is, ast.Eq)) and _is_none(right) and isinstance(left, ast.Call):
                found.extend(self._regex_names(left))
            elif isinstance(op, ast.In) and isinstance(left, ast.Constant) and left.value in DOTS \
                    and isinstance(right, ast.Name):
                found.append((right.id, "dots"))  # ``if "../" in name: abort(400)``
            elif isinstance(op, ast.In) and isinstance(left, ast.Constant) and left.value in QUOTES \
                    and isinstance(right, ast.Name):
                found.append((right.id, "quotes"))  # ``if "'" in name: abort(400)``
        return found

    def _after_separator(self, name: ast.AST) -> bool:
        """Is ``name`` placed after a directory and a literal ``/`` in the string it is part of
        (``f"{BASE}/{name}"``, ``BASE + "/" + name``, ``f"files/{name}"``), so that it cannot be an
        absolute path replacing what precedes it? (``f"/{name}"`` is not: its directory is the root.)"""
        child, parent = name, self.parent(name)
        if isinstance(parent, ast.FormattedValue):
            child, parent = parent, self.parent(parent)
            return isinstance(parent, ast.JoinedStr) and _directory_prefix(parent.values[:parent.values.index(child)])
        before: list[ast.AST] = []
        while isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and parent.right is child:
            before[:0] = _added(parent.left)
            child, parent = parent, self.parent(parent)
        return _directory_prefix(before)

    @staticmethod
    def _quoted_literal(test: ast.AST, positive: bool) -> list[tuple[str, str]]:
        """Names ``test`` proves to be one quoted string literal when it is ``positive`` (true) or
        not: ``s.startswith(q) and s.endswith(q) and q not in s[1:-1]`` (or the negation of each
        under ``or``), for a quote ``q``."""
        joined = ast.And if positive else ast.Or
        parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, joined) else [test]
        facts: dict[tuple[str, str], set[str]] = {}
        for part in parts:
            fact = _shape_fact(part, positive)
            if fact is not None:
                facts.setdefault(fact[:2], set()).add(fact[2])
        return [(name, "literal") for (name, _q), seen in facts.items() if seen >= {"startswith", "endswith", "inner"}]

    def _regex_names(self, call: ast.Call) -> list[tuple[str, str]]:
        func = call.func
        name = self.ctx.qualified_name(func) or _dotted(func) or ""
        if name in REGEX_CHECKS and len(call.args) >= 2:
            return [(n, "regex") for n in self._checked_names(call.args[1], self._scope_for_checks)]
        if isinstance(func, ast.Attribute) and func.attr in {"fullmatch", "match"} and call.args:
            receiver = _dotted(func.value) or ""
            if receiver.split(".")[-1].isupper() or "re.compile" in receiver or receiver.lower().endswith(("_re", "pattern", "regex", "_rx")):
                return [(n, "regex") for n in self._checked_names(call.args[0], self._scope_for_checks)]
        return []

    def _checked_names(self, expr: ast.AST, scope: _Scope | None = None, depth: int = 0) -> list[str]:
        """The names whose content a check on ``expr`` constrains: ``col``,
        ``col.lower()``, ``urlparse(url).hostname``, ``parsed.netloc`` after
        ``parsed = urlparse(url)``, ``os.path.realpath(path)``..."""
        while True:
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args:
                expr = expr.func.value          # x.lower(), Path(p).resolve()
            elif isinstance(expr, ast.Call) and len(expr.args) == 1 and isinstance(expr.func, (ast.Name, ast.Attribute)) \
                    and (_dotted(expr.func) or "").split(".")[-1] in DERIVING:
                expr = expr.args[0]             # urlparse(url), realpath(p)
            elif isinstance(expr, ast.Attribute) and expr.attr in ("hostname", "netloc", "host"):
                expr = expr.value               # parsed.hostname (a scheme or suffix check is not enough)
            else:
                break
        if isinstance(expr, ast.Attribute) and not UPPER.match(expr.attr):
            dotted = _dotted(expr)
            return [dotted] if dotted and "()" not in dotted else []
        if not isinstance(expr, ast.Name):
            return []
        found = [expr.id]
        if scope is not None and depth < 3:
            bindings = [b for b in scope.names.get(expr.id, ()) if b.kind != "param"]
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                value = bindings[0].value
                if not isinstance(value, ast.Name):
                    found.extend(self._checked_names(value, scope, depth + 1))
        return found

    def guarded(self, name: ast.Name | ast.Attribute, kind: str | None = None) -> bool:
        """Does a guard above this use prove the value safe (for sinks of ``kind``)?"""
        key = (id(name), kind)
        found = self.guard_memo.get(key)
        if found is None:
            found = self._guarded(name, kind)
            self.guard_memo[key] = found
        return found

    def _guarded(self, name: ast.Name | ast.Attribute, kind: str | None) -> bool:
        scope = self.scope(self.enclosing_function(name))
        use = _pos(name)
        key = name.id if isinstance(name, ast.Name) else _dotted(name)
        if key is None:
            return False
        guards = list(scope.guards.get(key, ()))
        guards += [(how, node) for how, node, check in scope.kinded.get(key, ())
                   if kind in GUARD_KINDS[check] and (check != "dots" or self._after_separator(name))]
        # Bindings that can reach the use (the flow's answer: one in another branch of an ``elif``
        # chain does not), else every binding of the name.
        bindings = self.reaching(scope, name) if isinstance(name, ast.Name) else scope.names.get(key, ())
        for how, node in guards:
            if how == "after" and _end(node) <= use:
                # No rebinding between the guard and the use.
                if not any(_end(node) < b.pos <= use for b in bindings if b.kind != "param"):
                    return True
            elif how in ("body", "else"):
                branch = node.body if how == "body" else node.orelse
                if branch and _pos(branch[0]) <= use <= _end(branch[-1]):
                    return True
        # IfExp: ``col if col in ALLOWED else "id"``
        self._scope_for_checks = scope
        child, current = name, self.parent(name)
        while current is not None and not isinstance(current, ast.stmt):
            if isinstance(current, ast.IfExp):
                if child is current.body and any(n == key for n, _ in self._positive_checks(current.test)):
                    return True
                if child is current.orelse and any(n == key for n, _ in self._negative_checks(current.test)):
                    return True
            child, current = current, self.parent(current)
        # ``validate_column(col)`` as a statement above the use
        return self._validated_by_call(scope, key, use)

    def _validated_by_call(self, scope: _Scope, key: str, use: tuple[int, int]) -> bool:
        calls = self._validator_calls(scope)
        for call_stmt, names in calls:
            if key in names and _end(call_stmt) <= use:
                return True
        return False

    def _validator_calls(self, scope: _Scope) -> list[tuple[ast.AST, set[str]]]:
        cached = getattr(scope, "_validators", None)
        if cached is not None:
            return cached
        found: list[tuple[ast.AST, set[str]]] = []
        for node in ast.walk(scope.node) if not isinstance(scope.node, ast.Module) else ():
            if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
                call = node.value.value if isinstance(node.value, ast.Await) else node.value
                if not isinstance(call, ast.Call):
                    continue
                callee = _dotted(call.func) or ""
                short = callee.split(".")[-1]
                helper = self.ctx.module_functions.get(callee) if "." not in callee else None
                if (VALIDATOR_CALL.match(short) and self.trusted_helper(call.func)) or \
                        (helper is not None and self._helper_validates(helper)):
                    names = {n.id for arg in call.args for n in ([arg] if isinstance(arg, ast.Name) else [])}
                    if names:
                        found.append((node, names))
        scope._validators = found  # type: ignore[attr-defined]
        return found

    def trusted_helper(self, func: ast.AST) -> bool:
        """A validating/sanitizing helper (by its name) is trusted when it checks the
        *content*: a same-module helper must contain a content check (regex, allowlist
        membership or lookup, comparison, conversion, escaping, a parser, another
        trusted helper); one we cannot see is trusted unless its name says it
        measures (``validate_length``, ``check_max_size``)."""
        name = _dotted(func) or ""
        helper = self.ctx.module_functions.get(name) if isinstance(func, ast.Name) else None
        if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.checks_content(helper)
        return not LENGTH_NAME.search(name.rsplit(".", 1)[-1])

    def checks_content(self, helper: ast.FunctionDef | ast.AsyncFunctionDef, depth: int = 0) -> bool:
        key = id(helper)
        found = self.content_helpers.get(key)
        if found is None:
            self.content_helpers[key] = False  # recursion guard
            found = self.content_helpers[key] = self._checks_content(helper, depth)
        return found

    def _checks_content(self, helper: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> bool:
        for node in ast.walk(helper):
            if isinstance(node, ast.Compare):
                if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
                    return True  # membership: an allowlist, or forbidden characters
                if any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) and any(
                        isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))
                        for side in (node.left, *node.comparators)):
                    return True
            elif isinstance(node, ast.Subscript) and (self.is_allowlist(node.value) or self._is_constant_name(node.value)):
                return True  # a lookup in a constant table
            elif isinstance(node, ast.Call):
                func = node.func
                qualified = self.ctx.qualified_name(func) or ""
                dotted = _dotted(func) or ""
                short = dotted.rsplit(".", 1)[-1]
                if qualified in REGEX_CHECKS or qualified in ("re.sub", "re.subn", "re.compile") or \
                        short in CONTENT_CALLS or short in CONTENT_PREDICATES:
                    return True
                if (qualified or dotted) in CONVERSIONS and short not in ("len", "isinstance", "callable", "hasattr",
                                                                         "any", "all", "min", "max", "sum"):
                    return True
                if any((qualified or dotted) in table for table in ESCAPERS.values()):
                    return True
                if isinstance(func, ast.Attribute) and func.attr == "get" and self.is_allowlist(func.value):
                    return True
                if isinstance(func, ast.Name) and func.id != helper.name and depth < 2:
                    other = self.ctx.module_functions.get(func.id)
                    if isinstance(other, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        if (SANITIZER_NAME.search(func.id) or VALIDATOR_CALL.match(func.id)) and \
                                self.checks_content(other, depth + 1):
                            return True
                        continue
                if (SANITIZER_NAME.search(short) or VALIDATOR_CALL.match(short)) and not LENGTH_NAME.search(short) \
                        and not (isinstance(func, ast.Name) and func.id in self.ctx.module_functions):
                    return True  # an imported validator (``validators.url``, ``validate_email``)
        return False

    def _helper_validates(self, helper: ast.AST) -> bool:
        self.index_helper(helper)
        scope = self.scope(helper)
        return any(how == "after" for guards in scope.guards.values() for how, _ in guards)

    # --- allowlists ---------------------------------------------------------
    def is_allowlist(self, expr: ast.AST) -> bool:
        if isinstance(expr, (ast.Set, ast.List, ast.Tuple)):
            return bool(expr.elts) and all(isinstance(e, ast.Constant) or self._is_constant_name(e) for e in expr.elts)
        if isinstance(expr, ast.Dict):
            return bool(expr.keys) and all(isinstance(k, ast.Constant) for k in expr.keys if k is not None)
        if isinstance(expr, ast.Call):
            func = _dotted(expr.func) or ""
            if func in {"frozenset", "set", "tuple", "list"} and expr.args:
                return self.is_allowlist(expr.args[0])
            if isinstance(expr.func, ast.Attribute) and expr.func.attr == "keys" and not expr.args \
                    and isinstance(expr.func.value, ast.Attribute) \
                    and not any(o.kind == "user" for o in self.eval(expr.func.value, None)):
                return True  # ``Model.__table__.columns.keys()``: the server's own names
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in {"keys", "values"}:
                return self.is_allowlist(expr.func.value)
            return False
        if isinstance(expr, ast.Attribute):
            return bool(UPPER.match(expr.attr)) or expr.attr == "__members__"
        if isinstance(expr, ast.Name):
            if UPPER.match(expr.id):
                return True
            scope = self.scope(self.enclosing_function(expr))
            bound = [b for b in self.reaching(scope, expr)]
            return bool(bound) and all(b.kind == "assign" and b.value is not None and self.is_allowlist(b.value)
                                       for b in bound) or self._server_collection(expr)
        return False

    def _built_object(self, receiver: ast.AST, scope: _Scope) -> bool:
        """A name bound only to the result of calling a class or factory of this program
        (``form = SettingsForm(request.form)``), not to request data or a string operation."""
        if not isinstance(receiver, ast.Name):
            return False
        bound = self.reaching(scope, receiver)
        return bool(bound) and all(
            b.kind == "assign" and isinstance(b.value, ast.Call) and not self._reshapes(b.value)
            and self.request_label(b.value, scope) is None and not isinstance(b.value.func, ast.Attribute)
            for b in bound)

    def _server_collection(self, name: ast.Name) -> bool:
        """A name (of this function or an enclosing one) bound only to a collection the server builds
        with no client data in it (``codes = get_language_codes()``, a comprehension over a table):
        membership in it is an allowlist check."""
        scope: _Scope | None = self.scope(self.enclosing_function(name))
        while scope is not None and name.id not in scope.names:
            scope = scope.parent_scope
        bound = scope.names.get(name.id, []) if scope is not None else []
        return bool(bound) and all(
            b.kind == "assign" and isinstance(b.value, SERVER_COLLECTIONS)
            and not any(o.kind == "user" for o in self.eval(b.value, None)) for b in bound)

    def _is_constant_name(self, expr: ast.AST) -> bool:
        return isinstance(expr, ast.Attribute) and bool(UPPER.match(expr.attr)) or (
            isinstance(expr, ast.Name) and bool(UPPER.match(expr.id)))

    # --- reaching bindings --------------------------------------------------
    def reaching(self, scope: _Scope, name: ast.Name) -> list[Binding]:
        """Bindings of ``name`` in ``scope`` that can reach the use: the flow's answer
        where it has one (order, branches, constants), else the ones above the use
        plus loop-carried ones."""
        bindings = scope.names.get(name.id)
        if not bindings:
            return []
        flow = self.flow(scope.node)
        defs = flow.definitions(name) if flow is not None else None
        if defs is not None:
            return [b for b in bindings if b.stmt in defs]
        use = _pos(name)
        statement = self._statement(name)
        found = []
        for b in bindings:
            if b.kind == "param":
                found.append(b)
            elif b.kind == "except":
                if _contains(b.stmt, name):  # the name is unbound after the handler
                    found.append(b)
            elif isinstance(b.stmt, ast.comprehension):
                if _contains(self.parent(b.stmt), name):
                    found.append(b)
            elif b.pos <= use and b.stmt is not statement:
                found.append(b)
            elif b.pos > use and self._same_loop(scope, b, name):
                found.append(b)
        # A plain (re)assignment hides everything before it on the straight line.
        straight = [b for b in found if b.kind in ("assign", "with", "for", "opaque", "except", "import")
                    and b.pos <= use and self._dominates(b, name)]
        if straight:
            last = straight[-1]
            found = [b for b in found if b.pos >= last.pos or isinstance(b.stmt, ast.comprehension)]
            if last.kind != "param":
                found = [b for b in found if b.kind != "param"]
        return found

    def _statement(self, node: ast.AST) -> ast.AST | None:
        while node is not None and not isinstance(node, ast.stmt):
            node = self.parent(node)
        return node

    def _dominates(self, binding: Binding, use: ast.AST) -> bool:
        """The binding's statement sits in a block that also contains the use."""
        stmt = binding.stmt
        if not isinstance(stmt, ast.stmt):
            return False
        block_parent = self.parent(stmt)
        current = use
        while current is not None:
            current = self.parent(current)
            if current is block_parent:
                return True
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return block_parent is current
        return False

    def _same_loop(self, scope: _Scope, binding: Binding, use: ast.AST) -> bool:
        for loop in scope.loops:
            if _contains(loop, use) and _contains(loop, binding.stmt) and binding.stmt is not loop:
                return True
        return False

    # --- handlers -----------------------------------------------------------
    def _fixed_path(self, expr: ast.AST) -> bool:
        """Is ``expr`` read in a route handler whose routes are all paths without variables?"""
        func = self.enclosing_function(expr)
        handler = self.handler(func) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        return handler is not None and handler.fixed_path

    def handler(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> Handler | None:
        key = id(func)
        if key not in self.handlers:
            self.handlers[key] = self._handler(func)
        return self.handlers[key]

    def _handler(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> Handler | None:
        framework = None
        safe: set[str] = set()
        path_params: set[str] = set()
        routes: list[str | None] = []
        for deco in func.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = deco.func if call else deco
            name = _dotted(target) or ""
            short = name.split(".")[-1]
            if short in ROUTE_DECORATORS and "." in name and (call is not None or short == "view"):
                path = None
                if call is not None and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
                    path = call.args[0].value
                elif call is not None:
                    for kw in call.keywords:
                        if kw.arg in ("path", "rule", "url") and isinstance(kw.value, ast.Constant):
                            path = kw.value.value
                if call is not None and path is None and not call.args and short in {"get", "post", "put", "patch", "delete"}:
                    path = ""
                if path is None and short not in {"route", "api_route", "websocket", "view"}:
                    continue
                framework = "route"
                routes.append(path if isinstance(path, str) else None)
                for conv, pname in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", path or ""):
                    (safe if conv in SAFE_CONVERTERS or SAFE_CONVERTER_NAME.search(conv) else path_params).add(pname)
                for pname, conv in re.findall(r"\{(\w+)(?::(\w+))?\}", path or ""):
                    (safe if conv in SAFE_CONVERTERS else path_params).add(pname)
            elif short in VIEW_DECORATORS:
                framework = framework or "django"
        params = [a for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]
        first = params[0].arg if params else None
        owner = self.enclosing_class(func)
        if framework is None and owner is not None and self.enclosing_function(func) is None:
            bases = [_dotted(b) or "" for b in owner.bases]
            if func.name in VIEW_METHODS and (any(VIEW_BASES.search(b.split(".")[-1]) for b in bases)
                                              or (len(params) > 1 and self.request_param(func, params[1]))):
                framework = "class-view"
        if framework is None and owner is None and first is not None and self.function_views() \
                and self.request_param(func, params[0]):
            framework = "request-view"  # a Django function view: the other parameters are URL captures
        if framework is None:
            return None
        user: set[str] = set()
        requests_: set[str] = set()
        defaults = _defaults(func)
        for arg in params + ([func.args.vararg] if func.args.vararg else []) + ([func.args.kwarg] if func.args.kwarg else []):
            annotation = self._annotation(arg)
            default = defaults.get(arg.arg)
            default_name = (_dotted(default.func) if isinstance(default, ast.Call) else "") or ""
            if _request_annotation(annotation) or (not annotation and arg.arg in REQUEST_NAMES):
                requests_.add(arg.arg)
                continue
            if arg.arg in path_params and not (annotation and SAFE_ANNOTATIONS.match(annotation)):
                user.add(arg.arg)
                continue
            if arg.arg in ("self", "cls") or default_name.split(".")[-1] in {"Depends", "Security"}:
                continue
            if "Depends(" in annotation or "Security(" in annotation:
                continue
            if INJECTED_ANNOTATIONS.search(annotation.replace(" ", "")) or (arg.arg in INJECTED_PARAM_NAMES and not annotation):
                continue
            if framework == "request-view" and (OBJECT_PARAM.match(arg.arg) or len(arg.arg) == 1 or arg.arg in defaults
                                                or (annotation and annotation not in ("str", "Optional[str]", "str | None"))):
                continue  # a helper taking the request and objects, not URL captures
            if arg.arg in safe or (annotation and SAFE_ANNOTATIONS.match(annotation)):
                safe.add(arg.arg)
                continue
            if default_name.split(".")[-1] in PARAM_MARKERS and self._safe_default(default):
                safe.add(arg.arg)
                continue
            if any(self._safe_default(marker) for marker in _annotated_markers(arg.annotation)):
                safe.add(arg.arg)  # ``name: Annotated[str, Query(pattern=r"^[\w-]+$")]``
                continue
            user.add(arg.arg)
        fixed = bool(routes) and all(r is not None and r.startswith("/") and not re.search(r"[<{]", r) for r in routes)
        return Handler(func, framework, frozenset(user), frozenset(safe), frozenset(requests_), fixed)

    def _annotation(self, arg: ast.arg) -> str:
        if arg.annotation is None:
            return ""
        return ast.unparse(arg.annotation)

    def _safe_default(self, default: ast.Call) -> bool:
        for kw in default.keywords:
            if kw.arg in ("regex", "pattern"):
                return True
        return False

    # --- requests -----------------------------------------------------------
    def request_param(self, func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> bool:
        """Is parameter ``arg`` of ``func`` the HTTP request? Decided from evidence, not
        the name alone: a request annotation (``Request``, ``HttpRequest``), or a
        conventional name together with a route decorator or request-only attribute
        use (``req.args``, ``req.GET``); a web framework import is enough for
        ``request``, and for ``req`` beside a ``resp`` parameter."""
        key = (id(func), arg.arg)
        found = self.request_params.get(key)
        if found is None:
            found = self.request_params[key] = self._request_param(func, arg)
        return found

    def _request_param(self, func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> bool:
        annotation = self._annotation(arg)
        if annotation:
            return _request_annotation(annotation)
        if arg.arg not in REQUEST_NAMES:
            return False
        for deco in func.decorator_list:
            name = (_dotted(deco.func if isinstance(deco, ast.Call) else deco) or "").rsplit(".", 1)[-1]
            if name in ROUTE_DECORATORS | VIEW_DECORATORS:
                return True
        if any(isinstance(node, ast.Attribute) and node.attr in REQUEST_EVIDENCE and isinstance(node.value, ast.Name)
               and node.value.id == arg.arg for node in ast.walk(func)):
            return True  # ``req.args``, ``request.GET``: only a request has those
        if not self.web_module():
            return False
        names = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
        if self.enclosing_class(func) is not None or self.function_views():
            # A method (a view's ``get(self, request)``), or a module of a framework whose views are
            # plain functions taking the request first (Django, Starlette, aiohttp, Pyramid). ``req``
            # names other requests too (pip's install requirement): only beside a ``resp``.
            return arg.arg == "request" or bool(names & RESPONSE_NAMES)
        # Elsewhere (Flask, FastAPI, Tornado...) a plain function taking ``request`` is a helper: the
        # request only when a handler of this module passes it one (the module-local callers).
        return self.called_with_request(func, arg)

    def called_with_request(self, func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> bool:
        """Does a function of this module call ``func`` with a request object as ``arg``?"""
        positional = [a.arg for a in func.args.posonlyargs + func.args.args]
        index = positional.index(arg.arg) if arg.arg in positional else None
        for caller in list(self.ctx.module_functions.values()):
            if caller is func or id(caller) in self.request_callers:
                continue
            self.request_callers.add(id(caller))  # recursion guard: helpers calling helpers
            try:
                for call in ast.walk(caller):
                    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == func.name):
                        continue
                    given = call.args[index] if index is not None and index < len(call.args) else next(
                        (kw.value for kw in call.keywords if kw.arg == arg.arg), None)
                    if given is not None and self._caller_request(caller, given):
                        return True
            finally:
                self.request_callers.discard(id(caller))
        return False

    def _caller_request(self, caller: ast.FunctionDef | ast.AsyncFunctionDef, given: ast.AST) -> bool:
        qualified = self.ctx.qualified_name(given) or ""
        if qualified.endswith(".request") and qualified.split(".")[0] in REQUEST_MODULES:
            return True
        params = {a.arg: a for a in caller.args.posonlyargs + caller.args.args + caller.args.kwonlyargs}
        return isinstance(given, ast.Name) and given.id in params and self.request_param(caller, params[given.id])

    def web_module(self) -> bool:
        if self._web is None:
            self._web = any(self.ctx.is_imported(module) for module in WEB_FRAMEWORKS)
        return self._web

    def function_views(self) -> bool:
        """Does this module import a framework whose views are plain functions of the request?"""
        if self._function_views is None:
            self._function_views = any(self.ctx.is_imported(module) for module in FUNCTION_VIEW_FRAMEWORKS)
        return self._function_views

    def is_request(self, expr: ast.AST, scope: _Scope, depth: int = 0) -> bool:
        if isinstance(expr, ast.Name):
            qualified = self.ctx.qualified_name(expr) or ""
            if qualified.endswith(".request") and qualified.split(".")[0] in REQUEST_MODULES:
                return True
            if expr.id not in REQUEST_NAMES:
                return False
            current: _Scope | None = scope
            while current is not None and expr.id not in current.names:
                current = current.parent_scope
            if current is None:
                return expr.id == "request" and self.web_module()  # an unresolved global ``request``
            for b in current.names[expr.id]:
                if b.kind == "param" and isinstance(b.target, ast.arg) and \
                        isinstance(current.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if self.request_param(current.node, b.target):
                        return True
                elif b.kind == "assign" and b.value is not None and depth < 3 and \
                        self.is_request(b.value, self.scope(self.enclosing_function(b.value)), depth + 1):
                    return True
            return False
        if isinstance(expr, ast.Attribute) and expr.attr in ("request", "req") and isinstance(expr.value, ast.Name) \
                and expr.value.id in ("self", "cls"):
            return True
        return False

    def wraps_request(self, expr: ast.AST, scope: _Scope, depth: int = 0) -> bool:
        """Is ``expr`` an object built from the request object itself (``Wrapper(request)``), or a
        name every reaching definition of which binds one?"""
        if isinstance(expr, ast.Call):
            return any(self.is_request(arg, scope) for arg in [*expr.args, *(kw.value for kw in expr.keywords)])
        if isinstance(expr, ast.Name) and depth < 2:
            bindings = self.reaching(scope, expr)
            return bool(bindings) and all(b.kind == "assign" and b.value is not None
                                          and self.wraps_request(b.value, scope, depth + 1) for b in bindings)
        return False

    def request_label(self, expr: ast.AST, scope: _Scope) -> str | None:
        """A label when ``expr`` reads client data from the request object."""
        node = expr
        if isinstance(node, ast.Await):
            node = node.value
        key = ""
        if isinstance(node, ast.Subscript):
            key = _key_text(node.slice)
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
                "get", "getlist", "get_all", "getall", "getone", "pop"} and node.args:
            key = _key_text(node.args[0])
            node = node.func.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in REQUEST_METHODS and self.is_request(node.func.value, scope):
                return f"{_dotted(node.func) or 'request'}()" + (f"[{key}]" if key else "")
            if node.func.attr in HANDLER_SELF_METHODS and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                arg = _key_text(node.args[0]) if node.args else ""
                return f"self.{node.func.attr}({arg})"
        if isinstance(node, ast.Attribute):
            if node.attr in REQUEST_ATTRS and self.is_request(node.value, scope):
                base = _dotted(node) or f"request.{node.attr}"
                return f"{base}[{key}]" if key else base
            # request.headers.get(...) etc. one level deeper: request.json.get
            inner = node.value
            if isinstance(inner, ast.Attribute) and inner.attr in REQUEST_ATTRS and self.is_request(inner.value, scope):
                return _dotted(node)
        return None

    # --- evaluation ---------------------------------------------------------
    def eval(self, expr: ast.AST, kind: str | None) -> frozenset[Origin]:
        key = (id(expr), kind)
        found = self.memo.get(key)
        if found is not None:
            return found
        if key in self.active:
            return NONE
        self.active.add(key)
        try:
            found = self._eval(expr, kind)
        finally:
            self.active.discard(key)
        self.memo[key] = found
        return found

    def _pinned_location(self, expr: ast.JoinedStr | ast.BinOp) -> bool:
        """Does this string start with a location that fixes the host (``PINNED_PREFIX``, the request's
        own address)?"""
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.Add):
            return False
        parts = _string_parts(expr)
        first = parts[0] if parts else None
        if self._is_constant_name(first) and len(parts) > 1 and _literal_start(parts[1]).startswith("/") \
                and not _literal_start(parts[1]).startswith(("//", "/\\")):
            return True  # IMAGE_HOST_URL + "/{id}/cover.jpg": a configured base, then a path under it
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return bool(PINNED_PREFIX.match(first.value))
        if isinstance(first, ast.Attribute) and first.attr in OWN_ADDRESS and \
                self.is_request(first.value, self.scope(self.enclosing_function(first))):
            return True  # "https://host/..." up to a "/" after the host, always
        return False

    def _union(self, nodes: Iterable[ast.AST | None], kind: str | None) -> frozenset[Origin]:
        result: set[Origin] = set()
        for node in nodes:
            if node is not None:
                result |= self.eval(node, kind)
        return frozenset(result)

    def _eval(self, expr: ast.AST, kind: str | None) -> frozenset[Origin]:
        if isinstance(expr, ast.Constant) or expr is None:
            return NONE
        if self.unreachable(expr):
            return NONE
        if isinstance(expr, (ast.Compare, ast.Lambda)):
            return NONE
        if isinstance(expr, ast.UnaryOp):
            return NONE if isinstance(expr.op, ast.Not) else self.eval(expr.operand, kind)
        if isinstance(expr, ast.Call) and any(
                kw.arg == "type" and isinstance(kw.value, ast.Name) and kw.value.id in ("int", "float", "bool")
                for kw in expr.keywords):
            return NONE  # request.args.get("page", 1, type=int) converts (or falls back to the default)
        scope = self.scope(self.enclosing_function(expr))
        label = self.request_label(expr, scope)
        if label is not None and label.startswith(tuple(f"{m}[{k!r}]" for m in ("request.META", "self.request.META")
                                                       for k in SERVER_META_KEYS)):
            return NONE  # request.META["CSRF_COOKIE"]: set by the framework's middleware
        if label is not None:
            if kind == "redirect" and (_own_location(expr) or REFERER.search(label)):
                return NONE  # request.url, request.path, the Referer: where the client already is or came from
            if isinstance(expr, ast.Attribute) and expr.attr == "path" and self.is_request(expr.value, scope) \
                    and self._fixed_path(expr):
                return NONE  # ``request.path`` under ``@app.route("/reports/daily")``: that path
            return frozenset({Origin("user", label)})
        if isinstance(expr, ast.Name):
            return self._name(expr, scope, kind)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, scope, kind)
        if isinstance(expr, (ast.Subscript, ast.Call)):
            stored = self.stored(expr)
            if stored is not None:  # lst[1], d["k"], d.get("k"): exactly what was put there
                return self._union(stored, kind)
        if isinstance(expr, ast.Subscript):
            if self.is_allowlist(expr.value) or (isinstance(expr.value, ast.Attribute) and self._is_constant_name(expr.value)):
                return NONE
            base = _dotted(expr.value)
            qualified = self.ctx.qualified_name(expr.value) or ""
            if qualified == "sys.argv":
                return frozenset({Origin("user", f"sys.argv[{_key_text(expr.slice)}]")})
            if qualified == "os.environ":
                return frozenset({Origin("env", f"os.environ[{_key_text(expr.slice)}]")})
            if isinstance(expr.slice, ast.Slice):
                return self.eval(expr.value, kind)
            del base
            return self.eval(expr.value, kind)
        if isinstance(expr, ast.Call):
            return self._call(expr, scope, kind)
        if kind == "redirect" and isinstance(expr, (ast.JoinedStr, ast.BinOp)):
            if self._pinned_location(expr):
                return NONE  # "/orders?page=" + page: the client chooses the path or query, not the site
            before = _before_query(expr)
            if before is not None:  # f"{url}?{query.urlencode()}": only what precedes the "?" can
                return self._union(before, kind)
        if isinstance(expr, ast.JoinedStr):
            return self._union(expr.values, kind)
        if isinstance(expr, ast.FormattedValue):
            if expr.format_spec is not None and _numeric_spec(expr.format_spec):
                return NONE
            return self.eval(expr.value, kind)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant) and isinstance(expr.left.value, str) \
                    and not re.search(r"%[-#0 +]*\d*(\.\d+)?[sr]|%\(\w+\)[sr]", expr.left.value):
                return NONE  # only numeric conversions (%d, %f)
            if isinstance(expr.op, ast.Div):
                return self._div(expr, kind)
            if isinstance(expr.op, (ast.Sub, ast.FloorDiv, ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor,
                                    ast.LShift, ast.RShift)):
                return NONE
            if isinstance(expr.op, ast.Mult):
                for side in (expr.left, expr.right):
                    if isinstance(side, (ast.Constant, ast.List, ast.Tuple)) and self.eval(side, kind) == NONE:
                        return NONE  # "?" * n, ["%s"] * len(ids)
            return self._union((expr.left, expr.right), kind)
        if isinstance(expr, ast.BoolOp):
            return self._union(expr.values, kind)
        if isinstance(expr, ast.IfExp):
            test = self.constant(expr.test)
            if test is not UNKNOWN:
                return self.eval(expr.body if test else expr.orelse, kind)
            return self._union((expr.body, expr.orelse), kind)
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
            return self._union(expr.elts, kind)
        if isinstance(expr, ast.Dict):
            return self._union([*expr.keys, *expr.values], kind)
        if isinstance(expr, (ast.Starred, ast.Await, ast.NamedExpr, ast.keyword, ast.FormattedValue)):
            return self.eval(expr.value, kind)
        if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self._comprehension(expr, [expr.elt], kind)
        if isinstance(expr, ast.DictComp):
            return self._comprehension(expr, [expr.key, expr.value], kind)
        return NONE

    def _div(self, expr: ast.BinOp, kind: str | None) -> frozenset[Origin]:
        """``a / b``: pathlib's join when the left side is a path (``Path(BASE) / name``,
        ``UPLOAD_DIR / name``, ``base / "x"``) - it carries both sides; on a left side
        of unknown type it carries user input (text cannot be divided, so user text
        on either side means a join); a number on either side is arithmetic."""
        left, right = expr.left, expr.right
        if _numeric(left) or _numeric(right):
            return NONE
        found = self._union((left, right), kind)
        if not found:
            return NONE
        if self.pathlike(left) or (isinstance(right, ast.Constant) and isinstance(right.value, str)):
            return found
        if any(o.kind == "user" for o in found):
            return found
        return NONE

    def pathlike(self, expr: ast.AST, depth: int = 0, strict: bool = False) -> bool:
        """Is ``expr`` a ``pathlib`` path: ``Path(...)``, ``p.parent``, ``p.joinpath(...)``,
        ``p / "x"``, a parameter annotated ``Path``, or a name that says it is a
        directory/path (``UPLOAD_DIR``, ``settings.MEDIA_ROOT``, ``base_path``)?
        ``strict`` drops the last clue (the name): ``file_path`` may well be a ``str``."""
        if depth > 4:
            return False
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return self.pathlike(expr.left, depth + 1, strict) or (
                isinstance(expr.right, ast.Constant) and isinstance(expr.right.value, str))
        if isinstance(expr, ast.Call):
            func = expr.func
            qualified = self.ctx.qualified_name(func) or ""
            short = (qualified or _dotted(func) or "").rsplit(".", 1)[-1]
            if short in PATH_TYPES or qualified.startswith("pathlib."):
                return True
            if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS:
                return func.attr in ("home", "cwd") or self.pathlike(func.value, depth + 1, strict)
            return False
        if isinstance(expr, ast.Attribute):
            if expr.attr in ("parent", "parents"):
                return True
            return not strict and _path_word(expr.attr)
        if isinstance(expr, ast.Subscript):
            return isinstance(expr.value, ast.Attribute) and expr.value.attr == "parents"
        if isinstance(expr, ast.Name):
            if not strict and _path_word(expr.id):
                return True
            scope = self.scope(self.enclosing_function(expr))
            for b in self.reaching(scope, expr):
                if b.kind == "param":
                    if isinstance(b.target, ast.arg) and PATH_ANNOTATION.search(self._annotation(b.target)):
                        return True
                elif b.kind in ("assign", "with") and b.value is not None and self.pathlike(b.value, depth + 1, strict):
                    return True
        return False

    def divides(self, expr: ast.AST, depth: int = 0) -> bool:
        """``a / b`` with no number on either side, or a name bound only to one."""
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return not (_numeric(expr.left) or _numeric(expr.right))
        if isinstance(expr, ast.Name) and depth < 3:
            bindings = self.reaching(self.scope(self.enclosing_function(expr)), expr)
            return bool(bindings) and all(b.kind == "assign" and b.value is not None
                                          and self.divides(b.value, depth + 1) for b in bindings)
        return False

    def normalised(self, expr: ast.AST, depth: int = 0) -> bool:
        """``realpath(p)``, ``p.resolve()``, ``str(...)``/``os.fspath(...)``/``.as_posix()``
        of one, one ``+ os.sep``, or a name all of whose reaching assignments are one.
        A normaliser *inside* a join (``os.path.join(realpath(BASE), name)``) does not
        count: the joined name still has its ``..``."""
        if depth > 4:
            return False
        if isinstance(expr, ast.Name):
            scope = self.scope(self.enclosing_function(expr))
            assigned = [b for b in self.reaching(scope, expr) if b.kind != "aug"]
            return bool(assigned) and all(b.kind == "assign" and b.value is not None
                                          and self.normalised(b.value, depth + 1) for b in assigned)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.normalised(expr.left, depth + 1)
        if isinstance(expr, ast.Call):
            short = (_dotted(expr.func) or "").rsplit(".", 1)[-1] or (
                expr.func.attr if isinstance(expr.func, ast.Attribute) else "")
            if short in NORMALISERS:
                return True
            if short in ("str", "fspath", "normcase") and len(expr.args) == 1:
                return self.normalised(expr.args[0], depth + 1)
            if short == "as_posix" and isinstance(expr.func, ast.Attribute):
                return self.normalised(expr.func.value, depth + 1)
        return False

    def contains_paths(self, function: ast.AST, before: int | None, depth: int = 0) -> bool:
        """See :func:`has_containment_check`; a helper's answer (``before`` None) is memoized."""
        if before is not None:
            return self._contains_paths(function, before, depth)
        found = self.containment.get(id(function))
        if found is None:
            self.containment[id(function)] = False  # recursion guard
            found = self.containment[id(function)] = self._contains_paths(function, None, depth)
        return found

    def _contains_paths(self, function: ast.AST, before: int | None, depth: int) -> bool:
        self.index_helper(function)
        for node in ast.walk(function):
            if before is not None and getattr(node, "lineno", 0) > before:
                continue
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) \
                    and any(isinstance(c, ast.Attribute) and c.attr == "parents" for c in node.comparators):
                return True  # ``if ROOT not in path.parents: abort(404)``
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = self.ctx.qualified_name(func) or _dotted(func) or (func.attr if isinstance(func, ast.Attribute) else "")
            if CONTAINMENT_CALLS.search(name):
                return True
            if isinstance(func, ast.Attribute) and func.attr == "startswith" and self.normalised(func.value):
                return True
            if isinstance(func, ast.Name) and depth < 2:
                helper = self.ctx.module_functions.get(func.id)
                if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) and helper is not function \
                        and self.contains_paths(helper, None, depth + 1):
                    return True
        return False

    def _comprehension(self, expr: ast.AST, parts: list[ast.AST], kind: str | None) -> frozenset[Origin]:
        return self._union(parts, kind)

    def _name(self, name: ast.Name, scope: _Scope, kind: str | None) -> frozenset[Origin]:
        if self.guarded(name, kind):
            return NONE
        current: _Scope | None = scope
        while current is not None:
            if name.id in current.names:
                break
            current = current.parent_scope
        if current is None or isinstance(current.node, ast.Module) and current is not scope:
            # A module-level name (constant, imported function, configuration).
            qualified = self.ctx.qualified_name(name) or ""
            if qualified == "sys.argv":
                return frozenset({Origin("user", "sys.argv")})
            return NONE
        if current is not scope:
            bindings = current.names[name.id]
        else:
            bindings = self.reaching(scope, name)
        if isinstance(current.node, ast.Module):
            bindings = [b for b in bindings if b.kind != "param"]
            if not bindings:
                return NONE
        result: set[Origin] = set()
        for b in bindings:
            result |= self._binding(b, current, name, kind)
        return frozenset(result)

    def _binding(self, b: Binding, scope: _Scope, name: ast.Name, kind: str | None) -> frozenset[Origin]:
        if b.kind == "param":
            return self._param(b, scope, name, kind)
        if b.kind in ("assign", "aug", "mutate", "with"):
            if b.kind == "with" and isinstance(b.value, ast.Call):
                callee = self.ctx.qualified_name(b.value.func) or ""
                if callee in {"open", "io.open"} or callee.endswith(("connect", "cursor", "Session", "Client")):
                    return NONE
            if b.kind == "assign" and isinstance(b.value, ast.Call) and self._is_argparse(b.value):
                return frozenset({Origin("user", "command-line arguments")})
            found = self.eval(b.value, kind) if b.value is not None else NONE
            return found
        if b.kind == "assign*":
            value = b.value.value if isinstance(b.value, ast.Await) else b.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and b.index is not None:
                helper = self.ctx.module_functions.get(value.func.id)
                if helper is not None and value.func.id not in scope.names:
                    return self._helper(helper, value, kind, b.index)
            return self.eval(b.value, kind) if b.value is not None else NONE
        if b.kind in ("for", "comp", "for*", "comp*"):
            if isinstance(b.value, ast.Call) and (_dotted(b.value.func) or "") in {"range"}:
                return NONE
            return self.eval(b.value, kind) if b.value is not None else NONE
        if b.kind == "index":
            return NONE
        if b.kind in ("import", "opaque", "except", "global"):
            return NONE
        return frozenset({Origin("unknown", f"`{name.id}`")})

    def _is_argparse(self, call: ast.Call) -> bool:
        return isinstance(call.func, ast.Attribute) and call.func.attr in {"parse_args", "parse_known_args"}

    def _param(self, b: Binding, scope: _Scope, name: ast.Name, kind: str | None = None) -> frozenset[Origin]:
        func = scope.node
        if name.id in ("self", "cls") or isinstance(func, ast.Lambda):
            return NONE
        if id(func) in self.marked:
            return frozenset({Origin("param", name.id)})
        handler = self.handler(func) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if handler is not None:
            if name.id in handler.user_params and kind == CLIENT and handler.framework == "request-view":
                return NONE  # a function taking ``request`` first: a view by inference only, its other
                # parameters URL captures by inference only (``sendfile(request, filename)`` is a helper)
            if name.id in handler.user_params:
                return frozenset({Origin("user", f"parameter `{name.id}` of route handler `{func.name}`")})
            if name.id in handler.safe_params or name.id in handler.request_params:
                return NONE
            return NONE
        annotation = self._annotation(b.target) if isinstance(b.target, ast.arg) else ""
        if annotation and SAFE_ANNOTATIONS.match(annotation):
            return NONE
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            private = func.name.startswith("_") and not func.name.startswith("__")
            return frozenset({Origin("unknown", f"parameter `{name.id}` of `{func.name}`", private)})
        return frozenset({Origin("unknown", f"`{name.id}`")})

    def _wrapped_accessor(self, call: ast.Call, scope: _Scope) -> bool:
        """``wrapped.get_query_parameter("q")`` on an object built from the request (``WRAPPED_ACCESSOR``)."""
        func = call.func
        return isinstance(func, ast.Attribute) and WRAPPED_ACCESSOR.match(func.attr) is not None \
            and self.wraps_request(func.value, scope)

    def _reshapes(self, call: ast.Call) -> bool:
        """Does ``call`` only change how its argument is written (see CLIENT_SHAPED_KINDS)?"""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in TRANSPARENT_METHODS:
            return True
        if isinstance(func, ast.Name) and func.id in self.ctx.module_functions:
            return True  # read through its summary
        name = self.ctx.qualified_name(func) or _dotted(func) or ""
        return bool(RESHAPING_CALL.search(name))

    def _attribute(self, expr: ast.Attribute, scope: _Scope, kind: str | None) -> frozenset[Origin]:
        if UPPER.match(expr.attr) or self.guarded(expr, kind):
            return NONE
        if kind in CLIENT_SHAPED_KINDS:
            return NONE  # ``user.session``: a field of an object, not the client's text
        base = expr.value
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            return NONE
        qualified = self.ctx.qualified_name(expr)
        if qualified is not None:
            if qualified == "sys.argv":
                return frozenset({Origin("user", "sys.argv")})
            if qualified in ("sys.stdin", "sys.stdin.buffer", "fileinput.input"):
                return frozenset({Origin("user", "sys.stdin")})
            return NONE  # a module attribute: configuration, functions, constants
        if expr.attr == "value" and isinstance(base, ast.Name):
            # Enum members of handler parameters typed with an Enum: ``sort.value``.
            found = self.eval(base, kind)
            if found and all(o.kind == "user" and o.label.startswith("parameter") for o in found):
                func = scope.node
                if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for arg in func.args.args + func.args.kwonlyargs:
                        if arg.arg == base.id and arg.annotation is not None and isinstance(arg.annotation, (ast.Name, ast.Attribute)):
                            if (_dotted(arg.annotation) or "") not in {"str", "Any", "dict"}:
                                return NONE
            return found
        return self.eval(base, kind)

    def sanitizer(self, call: ast.Call, kind: str | None) -> bool:
        func = call.func
        qualified = self.ctx.qualified_name(func) or ""
        dotted = _dotted(func) or ""
        short = dotted.split(".")[-1]
        if qualified in CONVERSIONS or dotted in CONVERSIONS:
            if qualified in ("str",):
                return False
            return True
        if kind is not None:
            table = ESCAPERS.get(kind, frozenset())
            if qualified in table or (not qualified and dotted in table):
                return True
        if qualified and any(qualified in table for table in ESCAPERS.values()):
            return False  # a known escaper of another kind
        if SANITIZER_NAME.search(short) and not (kind in NO_NAME_SANITIZERS and re.search("escape|quote", short, re.I)):
            return self.trusted_helper(func)
        if kind in QUOTE_DOUBLING and isinstance(func, ast.Name) \
                and _quoting_helper(self.ctx.module_functions.get(func.id), QUOTE_DOUBLING[kind]):
            return True  # ``identifier(name)``: a same-module helper that quotes its argument
        if kind == "redirect" and short in APP_URL_BUILDERS:
            return True  # ``h.url_for(target)``: a URL of this application's own routes
        if isinstance(func, ast.Attribute) and func.attr == "replace" and len(call.args) == 2 \
                and _removes_delimiter(call.args[0], call.args[1], QUOTE_DELIMITED.get(kind or "", "")):
            return True  # name.replace("'", "&apos;"): the input cannot close the quoted literal
        if isinstance(func, ast.Attribute) and func.attr == "get" and self.is_allowlist(func.value):
            return True  # SORTS.get(key, "id")
        return False

    def _call(self, call: ast.Call, scope: _Scope, kind: str | None) -> frozenset[Origin]:
        func = call.func
        qualified = self.ctx.qualified_name(func) or ""
        dotted = _dotted(func) or ""
        if self.sanitizer(call, kind):
            return NONE
        if kind == "html" and isinstance(func, ast.Attribute) and func.attr in ("render", "render_to_string"):
            return NONE  # template rendering autoescapes
        if kind in CLIENT_SHAPED_KINDS and not self._reshapes(call) and not self._wrapped_accessor(call, scope):
            return NONE  # (a request wrapper's ``get_form_parameter("q")`` hands out the client's text itself)
        if qualified in {"input", "raw_input", "getpass.getpass"}:
            return frozenset({Origin("user", f"{qualified}()")})
        if qualified.startswith("sys.stdin") or dotted.startswith("sys.stdin"):
            return frozenset({Origin("user", "sys.stdin")})
        if qualified in {"os.getenv", "os.environ.get", "os.getenvb"}:
            key = _key_text(call.args[0]) if call.args else ""
            return frozenset({Origin("env", f"os.environ[{key}]")})
        if qualified in {"flask.request.get_json", "flask.request.get_data"}:
            return frozenset({Origin("user", f"{dotted}()")})
        if _record_lookup(call, qualified):
            return frozenset({Origin("unknown", f"a record from `{_short(call.func)}()`")})
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in PREDICATE_METHODS:
                return NONE
            if self._wrapped_accessor(call, scope):
                return frozenset({Origin("user", _short(call))})
            if func.attr == "format" and isinstance(receiver, ast.Constant):
                return self._union([*call.args, *call.keywords], kind)
            if func.attr == "join" and isinstance(receiver, ast.Constant):
                return self._union(call.args, kind)
            if not call.args and not call.keywords and func.attr not in TRANSPARENT_METHODS \
                    and self._built_object(receiver, scope):
                # ``form = TagForm(formdata=request.form)``; ``form.extra_form_content()``: what the
                # object's class computes, not the client's text (its fields are read as attributes)
                return frozenset({Origin("unknown", f"`{_short(call)}`")})
            # Module functions (json.loads, os.path.join) have a module receiver: no origins.
            return self._union([receiver, *call.args, *call.keywords], kind)
        if isinstance(func, ast.Name):
            helper = self.ctx.module_functions.get(func.id)
            if helper is not None and func.id not in scope.names and qualified == "":
                return self._helper(helper, call, kind)
        return self._union([*call.args, *call.keywords], kind)

    # --- same-module helpers --------------------------------------------------
    def _helper(self, helper: ast.AST, call: ast.Call, kind: str | None, index: int | None = None) -> frozenset[Origin]:
        own, flows = self._summary(helper, kind, index)
        result = set(own)
        if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return frozenset(result)
        for param, arg in self.arguments(helper, call):
            if param is None or flows.get(param):
                result |= self.eval(arg, kind)
        return frozenset(result)

    def _summary(self, helper: ast.AST, kind: str | None, index: int | None = None) -> tuple[frozenset[Origin], dict[str, bool]]:
        key = (id(helper), kind, index)
        found = self.helper_summaries.get(key)
        if found is not None:
            return found
        self.helper_summaries[key] = (NONE, {})  # recursion guard
        if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return NONE, {}
        own: set[Origin] = set()
        flows: dict[str, bool] = {}
        with self.marking(helper):
            for node in ast.walk(helper):
                if isinstance(node, ast.Return) and node.value is not None and self.enclosing_function(node) is helper:
                    value = node.value
                    if index is not None and isinstance(value, ast.Tuple) and index < len(value.elts):
                        value = value.elts[index]
                    for origin in self.eval(value, kind):
                        if origin.kind == "param":
                            flows[origin.label] = True
                        else:
                            own.add(origin)
        summary = (frozenset(own), flows)
        self.helper_summaries[key] = summary
        return summary

    # --- helpers seen from their calls: partials, arguments, sinks -------------
    def effective_call(self, call: ast.Call) -> ast.Call:
        found = self.partials.get(id(call))
        if found is None:
            found = self.partials[id(call)] = self._effective_call(call, 0)
        return found

    def _effective_call(self, call: ast.Call, depth: int) -> ast.Call:
        func = call.func
        if depth > 2:
            return call
        made = func  # ``partial(f, a)(b)``, or a partial of a partial
        if isinstance(func, ast.Name):
            bindings = self.reaching(_scope_of(self.ctx, self, func), func)
            made = bindings[0].value if len(bindings) == 1 and bindings[0].kind == "assign" else None
        if not (isinstance(made, ast.Call) and made.args and not isinstance(made.args[0], ast.Starred)
                and (self.ctx.qualified_name(made.func) or "") in PARTIALS):
            return call
        inner = ast.copy_location(ast.Call(func=made.args[0], args=[*made.args[1:], *call.args],
                                           keywords=[*made.keywords, *call.keywords]), call)
        return self._effective_call(inner, depth + 1)

    @staticmethod
    def arguments(helper: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> list[tuple[str | None, ast.AST]]:
        """(parameter name, argument) for each argument of ``call``; None where the
        parameter cannot be told (after ``*args``, ``**kwargs`` of the call)."""
        params = [a.arg for a in helper.args.posonlyargs + helper.args.args]
        vararg = helper.args.vararg.arg if helper.args.vararg else None
        kwarg = helper.args.kwarg.arg if helper.args.kwarg else None
        named = set(params) | {a.arg for a in helper.args.kwonlyargs}
        found: list[tuple[str | None, ast.AST]] = []
        unknown = False
        for i, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                unknown = True
                found.append((None, arg))
            elif not unknown and i < len(params):
                found.append((params[i], arg))
            elif not unknown and vararg is not None:
                found.append((vararg, arg))
            elif unknown:
                found.append((None, arg))
        for kw in call.keywords:
            if kw.arg is None:
                found.append((None, kw.value))
            elif kw.arg in named or kwarg is None:
                found.append((kw.arg, kw.value))
            else:
                found.append((kwarg, kw.value))
        return found

    def helper_sinks(self, call: ast.Call, code: str, finder: SinkFinder, kind: str | None) -> list[HelperSink]:
        call = self.effective_call(call)
        func = call.func
        if not isinstance(func, ast.Name) or self.ctx.qualified_name(func):
            return []
        helper = self.ctx.module_functions.get(func.id)
        if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                func.id in _scope_of(self.ctx, self, func).names:
            return []  # not a helper, or a local name shadows it
        sinks = self._sink_summary(helper, code, finder)
        if not sinks:
            return []
        arguments = self.arguments(helper, call)
        found = []
        for sink, params in sinks:
            for param in sorted(params):
                labels = {label for name, arg in arguments if name == param
                          for label in user_input_sources(self.ctx, arg, kind=kind)}
                if labels:
                    found.append(HelperSink(helper, param, sink, sorted(labels)))
        return found

    def _sink_summary(self, helper: ast.FunctionDef | ast.AsyncFunctionDef, code: str,
                      finder: SinkFinder) -> list[tuple[ast.AST, frozenset[str]]]:
        """The sinks of ``helper`` (as ``finder`` sees them) and the parameters reaching each."""
        key = (id(helper), code)
        found = self.sink_summaries.get(key)
        if found is None:
            self.sink_summaries[key] = []  # recursion guard
            with self.marking(helper):
                reached = [(sink, frozenset(o.label for o in origins if o.kind == "param"))
                           for sink, origins in finder(helper)]
            found = self.sink_summaries[key] = [(sink, params) for sink, params in reached if params]
        return found


APP_URL_BUILDERS = frozenset({"url_for", "reverse", "reverse_lazy", "resolve_url", "route_url", "url_path_for"})
OWN_LOCATION = frozenset({"url", "base_url", "url_root", "host_url", "path", "full_path", "script_root", "host"})


# Redirects: a location whose text starts with a path of this site or a fixed host (``"/orders?"``,
# ``"https://shop.example/"``, ``url_for(...) + "?"``) cannot send the client to another site,
# whatever follows. A prefix such as ``"/"`` or ``"https://"`` pins nothing (``"/" + "/evil.example"``).
PINNED_PREFIX = re.compile(r"^(?:[a-zA-Z][\w+.-]*://[^/?#\\]+[/?#]|/(?=[^/\\])|[?#]|[\w.-]+[/?#])")
# The request's own address, with its host and a "/" after it.
OWN_ADDRESS = frozenset({"url", "base_url", "url_root", "host_url"})
# The page the client came from (``request.referrer``, the ``Referer`` header): sending the client back
# there takes it nowhere it was not already.
REFERER = re.compile(r"referr?er", re.I)


# Database lookups: what they return is a stored record (its fields are whatever was stored), not
# the key the client sent to select it. ``get_object_or_404(Page, id=page_id)``,
# ``Page.objects.get(slug=slug)``, ``Book.query.filter_by(uuid=uuid).first()``.
# Expressions that build a collection (a name bound only to one, with no client data, is an allowlist).
SERVER_COLLECTIONS = (ast.Call, ast.ListComp, ast.SetComp, ast.DictComp, ast.List, ast.Set, ast.Tuple, ast.Dict)
RECORD_FUNCTIONS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404", "aget_list_or_404"})
RECORD_MANAGERS = frozenset({"objects", "query", "_default_manager"})
RECORD_FETCHES = frozenset({"get", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none",
                            "first_or_404", "get_or_404", "one_or_404", "all", "latest", "earliest", "aget", "afirst"})


def _record_lookup(call: ast.Call, qualified: str) -> bool:
    """Is ``call`` a lookup of stored records (``RECORD_FUNCTIONS``, or a fetch on a chain through an
    ORM manager: ``Model.objects.filter(...).first()``, ``Model.query.get(id)``)?"""
    if qualified.rsplit(".", 1)[-1] in RECORD_FUNCTIONS and qualified.startswith("django."):
        return True
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in RECORD_FETCHES):
        return False
    node = func.value
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if node.attr in RECORD_MANAGERS:
            return True
        node = node.value
    return False


# FastAPI's parameter declarations (a ``pattern=``/``regex=`` in one makes the framework refuse other text).
PARAM_MARKERS = frozenset({"Query", "Path", "Body", "Form", "Header", "Cookie", "File"})


def _annotated_markers(annotation: ast.AST | None) -> list[ast.Call]:
    """The parameter declarations in ``Annotated[str, Query(...)]``."""
    if not (isinstance(annotation, ast.Subscript) and (_dotted(annotation.value) or "").split(".")[-1] == "Annotated"
            and isinstance(annotation.slice, ast.Tuple)):
        return []
    return [e for e in annotation.slice.elts[1:] if isinstance(e, ast.Call)
            and (_dotted(e.func) or "").split(".")[-1] in PARAM_MARKERS]


def _string_parts(expr: ast.AST) -> list[ast.AST]:
    """The pieces of an f-string or a ``+`` chain, in order (an f-string's values unwrapped)."""
    if isinstance(expr, ast.JoinedStr):
        return [v.value if isinstance(v, ast.FormattedValue) else v for v in expr.values]
    return _added(expr)


def _literal_start(expr: ast.AST) -> str:
    """The literal text a string expression starts with (``"/{id}".format(...)``: ``"/"``)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        expr = expr.func.value
    if isinstance(expr, ast.JoinedStr) and expr.values:
        expr = expr.values[0]
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.split("{", 1)[0] if "{" in expr.value else expr.value
    return ""


def _before_query(expr: ast.AST) -> list[ast.AST] | None:
    """The pieces of a location string before the first literal ``?``, ``#`` or ``&`` (what can
    still choose the host: a query or fragment follows); None when there is no such literal."""
    parts = _string_parts(expr)
    for index, part in enumerate(parts):
        if isinstance(part, ast.Constant) and isinstance(part.value, str) and any(c in part.value for c in "?#&"):
            return parts[:index]
    return None


def _own_location(expr: ast.AST) -> bool:
    """``request.url`` and its parts (``request.url[:n]``): the address the client requested."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    return isinstance(expr, ast.Attribute) and expr.attr in OWN_LOCATION


def _rebinds_constant(body: list[ast.stmt], name: str) -> bool:
    """The branch ends by binding ``name`` to something that is not the checked value
    (``url = DEFAULT_URL``): past the ``if``, the unchecked value is gone."""
    last = body[-1] if body else None
    if isinstance(last, ast.If) and last.orelse:  # if flag: url = reverse("a") / else: url = reverse("b")
        return _rebinds_constant(last.body, name) and _rebinds_constant(last.orelse, name)
    return isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name) \
        and last.targets[0].id == name and not any(isinstance(n, ast.Name) and n.id == name
                                                    for n in ast.walk(last.value))


def _removes_delimiter(old: ast.AST, new: ast.AST, quotes: str) -> bool:
    """``.replace(old, new)`` takes a quote character out of the text for good."""
    return isinstance(old, ast.Constant) and isinstance(old.value, str) and old.value in tuple(quotes) \
        and isinstance(new, ast.Constant) and isinstance(new.value, str) and old.value not in new.value


def _contains(outer: ast.AST | None, inner: ast.AST) -> bool:
    if outer is None:
        return False
    start, end = _pos(outer), _end(outer)
    return start <= _pos(inner) and _end(inner) <= end and start != (0, 0)


def _quoting_helper(helper: ast.AST | None, quotes: str) -> bool:
    """Does ``helper`` return its first parameter quoted, the quote doubled inside:
    ``return "'" + s.replace("'", "''") + "'"`` (or an f-string of the same)?"""
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or not helper.args.args:
        return False
    param = helper.args.args[0].arg
    returns = [n.value for n in ast.walk(helper) if isinstance(n, ast.Return)]
    return bool(returns) and all(value is not None and _quoted_value(value, param, quotes) for value in returns)


def _quoted_value(expr: ast.AST, param: str, quotes: str) -> bool:
    parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in expr.values] \
        if isinstance(expr, ast.JoinedStr) else _added(expr)
    if len(parts) != 3 or not all(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in (parts[0], parts[2])):
        return False
    quote = parts[0].value
    if quote != parts[2].value or quote not in tuple(quotes):
        return False
    doubled, inner = False, parts[1]
    while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "replace" \
            and len(inner.args) == 2 and all(isinstance(a, ast.Constant) for a in inner.args):
        old, new = inner.args[0].value, inner.args[1].value
        if old == quote and new == quote * 2:
            doubled = True
        elif not doubled and quote in str(new):
            return False  # a quote put back after the doubling
        inner = inner.func.value
    return doubled and isinstance(inner, ast.Name) and inner.id == param


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _added(expr: ast.AST) -> list[ast.AST]:
    """The operands of a ``+`` chain, in order."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _added(expr.left) + _added(expr.right)
    return [expr]


def _directory_prefix(parts: list[ast.AST]) -> bool:
    """Do the string parts before a name end in a directory and a ``/`` (something other than
    slashes before the last literal ``/``)?"""
    seen_directory = False
    for part in parts:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            head, slash, _tail = part.value.rpartition("/")
            if slash and (seen_directory or head.strip("/")):
                return True
            seen_directory = seen_directory or bool(part.value.strip("/"))
        elif isinstance(part, ast.FormattedValue) and isinstance(part.format_spec, ast.JoinedStr):
            return False
        else:
            seen_directory = True
    return False


def _shape_fact(test: ast.AST, positive: bool) -> tuple[str, str, str] | None:
    """(name, quote, fact) for one part of a quoted-literal check that holds when ``test`` is
    ``positive``: ``s.startswith(q)`` / ``s.endswith(q)`` (fact "startswith" / "endswith") or
    ``q not in s[1:-1]`` (fact "inner")."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _shape_fact(test.operand, not positive)
    if positive and isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) \
            and test.func.attr in ("startswith", "endswith") and isinstance(test.func.value, ast.Name) \
            and len(test.args) == 1 and not test.keywords and isinstance(test.args[0], ast.Constant) \
            and test.args[0].value in QUOTES:
        return test.func.value.id, test.args[0].value, test.func.attr
    if isinstance(test, ast.Compare) and len(test.ops) == 1 \
            and isinstance(test.ops[0], ast.NotIn if positive else ast.In) \
            and isinstance(test.left, ast.Constant) and test.left.value in QUOTES:
        inner = test.comparators[0]
        if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and isinstance(inner.slice, ast.Slice) \
                and _int(inner.slice.lower) == 1 and _int(inner.slice.upper) == -1 and inner.slice.step is None:
            return inner.value.id, test.left.value, "inner"
    return None


def _int(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def _request_annotation(annotation: str) -> bool:
    """``Request``, ``web.Request``, ``HttpRequest``, ``Optional[Request]``, ``"Request"``."""
    names = re.findall(r"[A-Za-z_][\w.]*", annotation)
    return any(name.rsplit(".", 1)[-1] in REQUEST_TYPES and not name.startswith(CLIENT_REQUEST_MODULES)
               for name in names)


def _numeric(node: ast.AST) -> bool:
    """A number literal (``2``, ``-1.5``) or a conversion to a number (``int(x)``, ``len(x)``)."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, complex)) and not isinstance(node.value, bool)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("int", "float", "len", "abs", "round", "sum", "min", "max", "Decimal")
    return False


def _path_word(name: str) -> bool:
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}
    return bool(words & PATH_WORDS)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _numeric_spec(spec: ast.AST) -> bool:
    if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
        text = "".join(str(v.value) for v in spec.values)
        return bool(re.fullmatch(r"[-+ #0,_]*\d*(\.\d+)?[dfeEgGn%xXob]", text))
    return False


def _key_text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return repr(node.value)
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse is total on parsed trees
        return "..."


def _defaults(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.AST]:
    args = func.args
    positional = args.posonlyargs + args.args
    found: dict[str, ast.AST] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        found[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            found[arg.arg] = default
    return found
