from tests.lsp.conftest import client  # noqa: F401  (the real server over stdio, for test_baseline_lsp)
