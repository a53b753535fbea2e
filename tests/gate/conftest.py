from tests.api.conftest import venv_factory  # noqa: F401  (real venvs, made once per session)
from tests.lsp.conftest import client  # noqa: F401  (the real server over stdio, for test_baseline_lsp)
