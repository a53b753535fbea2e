"""CAV117 in Django's split settings: `DEBUG = True` is the purpose of the development and test
modules (`settings/dev.py` beside `settings/production.py`, as in Django project templates);
in any other settings module it is the defect (issue 15)."""
import pytest

from caveat.engine.analyzer import Engine
from caveat.project import Settings

TEXT = 'from .base import *\n\nDEBUG = True\nALLOWED_HOSTS = ["*"]\n'
SETTINGS = Settings(select=("CAV117",))


@pytest.mark.parametrize("path", ["/proj/mysite/settings/dev.py", "/proj/mysite/settings/local.py",
                                  "/proj/mysite/settings/test.py", "/proj/mysite/settings_dev.py",
                                  "/proj/config/settings/local_development.py"])
def test_development_settings_may_debug(path):
    assert not Engine().analyze(TEXT, path, SETTINGS).findings


@pytest.mark.parametrize("path", ["/proj/mysite/settings.py", "/proj/mysite/settings/production.py",
                                  "/proj/mysite/settings/base.py", "/proj/mysite/settings/devices.py",
                                  "/proj/mysite/settings/staging.py"])
def test_other_settings_modules_are_reported(path):
    assert [f.code for f in Engine().analyze(TEXT, path, SETTINGS).findings] == ["CAV117"]
