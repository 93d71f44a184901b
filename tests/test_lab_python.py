"""The lab from Python: one function per study, the same text, numbers and verdicts as the CLI."""

import pytest

import gdlab.lab
from gdlab.cli import main
from gdlab.lab import surfaces as surface_module
from gdlab.lab.studies import STUDIES


def test_one_function_per_study():
    assert sorted(gdlab.lab.functions.FUNCTIONS) == sorted(gdlab.lab.functions.function_name(k) for k in STUDIES)
    for key in STUDIES:
        fn = getattr(gdlab.lab, gdlab.lab.functions.function_name(key))
        assert fn.__name__ == gdlab.lab.functions.function_name(key) and f"gdlab lab {key}" in fn.__doc__
    assert surface_module.get("rosenbrock") and gdlab.lab.surfaces is surface_module  # the module keeps its name
    assert gdlab.lab.surfaces_study.__name__ == "surfaces_study"


@pytest.mark.parametrize("key, argv, settings", [
    ("basics", [], {}),
    ("lr-find", ["--n", "40", "--iterations", "60"], {"n": 40, "iterations": 60}),
])
def test_a_function_says_what_the_cli_says(key, argv, settings, tmp_path, capsys):
    assert main(["lab", key, "--out", str(tmp_path / "cli"), *argv]) == 0
    printed = capsys.readouterr().out
    section = getattr(gdlab.lab, key.replace("-", "_"))(out=tmp_path / "py", **settings)
    assert printed == section.to_text().replace(str(tmp_path / "py"), str(tmp_path / "cli")) + "\n"
    assert files(tmp_path / "py") == files(tmp_path / "cli")


def files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_unknown_settings_and_sections_are_named():
    with pytest.raises(ValueError, match="unknown setting\\(s\\) steps for section 'lr-find'; valid: .*iterations"):
        gdlab.lab.lr_find(steps=3)
    with pytest.raises(ValueError, match="unknown lab section 'lr_find'; valid: basics, linear"):
        gdlab.lab.run("lr_find")
