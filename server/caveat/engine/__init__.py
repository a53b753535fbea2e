"""One document version in, findings out: blocks, cache, providers, suppressions."""
