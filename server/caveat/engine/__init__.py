"""One document version in, findings out: blocks, cache, providers, suppressions."""
from caveat.engine.lazy import defer

defer("libcst")  # rule modules import it at their top; most analyses never use it
