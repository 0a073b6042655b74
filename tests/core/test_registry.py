import sys

import pytest

from bansou.core.registry import app_modules


def test_app_modules_yields_existing_modules_in_order_and_passes_over_missing_ones():
    found = list(app_modules(apps=["engagements", "audit", "programs"], module="nav"))
    assert [m.__name__ for m in found] == [
        "bansou.engagements.nav",
        "bansou.audit.nav",
        "bansou.programs.nav",
    ]
    assert list(app_modules(apps=["debut"], module="nav")) == []


def test_app_modules_raises_an_import_error_from_inside_an_existing_module(tmp_path, monkeypatch):
    app = tmp_path / "registry_probe" / "app"
    app.mkdir(parents=True)
    (app.parent / "__init__.py").write_text("")
    (app / "__init__.py").write_text("")
    (app / "nav.py").write_text("import a_module_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(ModuleNotFoundError, match="a_module_that_does_not_exist"):
            list(app_modules(apps=["registry_probe.app"], module="nav"))
        assert list(app_modules(apps=["registry_probe.app"], module="dashboard")) == []
    finally:
        for name in [n for n in sys.modules if n.startswith("registry_probe")]:
            del sys.modules[name]
