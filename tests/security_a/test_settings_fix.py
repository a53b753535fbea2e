"""CAV117 only fires in settings modules, so its fix pair lives here."""
import ast

from caveat.engine.analyzer import Engine, apply_edits
from caveat.project import Settings

BEFORE = 'import os\n\nSECRET_KEY = os.environ["SECRET_KEY"]\nDEBUG = True\nALLOWED_HOSTS = ["*"]\n'
AFTER = ('import os\n\nSECRET_KEY = os.environ["SECRET_KEY"]\nDEBUG = os.environ.get("DJANGO_DEBUG") == "1"\n'
         'ALLOWED_HOSTS = ["*"]\n')
SETTINGS = Settings(select=("CAV117",))


def test_debug_true_fix_in_settings_module() -> None:
    engine = Engine()
    findings = engine.analyze(BEFORE, "/proj/mysite/settings.py", SETTINGS).findings
    assert [f.code for f in findings] == ["CAV117"]
    fixed = apply_edits(BEFORE, findings[0].fix.edits)
    assert fixed == AFTER
    ast.parse(fixed)
    assert not engine.analyze(fixed, "/proj/mysite/settings.py", SETTINGS).findings


def test_not_a_settings_module() -> None:
    assert not Engine().analyze(BEFORE, "/proj/mysite/constants.py", SETTINGS).findings
    assert Engine().analyze(BEFORE, "/proj/mysite/settings/prod.py", SETTINGS).findings
