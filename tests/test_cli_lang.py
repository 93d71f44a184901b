"""The command line in the user's language: --lang, else LC_ALL / LC_MESSAGES / LANG; help, errors, output."""

import argparse

import pytest

from gdlab.cli import _lang_argument, main
from gdlab.i18n import rjust


@pytest.fixture(autouse=True)
def english_environment(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_help_speaks_chinese_with_lang(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["lab", "report", "--help", "--lang", "zh-CN"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "显示这条帮助信息并退出" in out
    assert "为批大小推荐设定的单步训练内存预算（默认：不设）" in out


def test_help_stays_english_by_default(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "report", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: gdlab lab report") and "memory budget of one training step" in out


def test_the_environment_chooses_chinese_and_argparse_errors_follow(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(SystemExit) as stop:
        main(["lab", "report", "--only", "nope"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "错误：参数 --only：无效的选择：'nope'" in err
    assert argparse._("usage: ") == "usage: ", "argparse's own lookup is restored after the command"


def test_lang_on_the_line_wins_over_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    with pytest.raises(SystemExit):
        main(["--lang=en", "demo", "--help"])
    assert "train a network on the built-in digits" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--lang", "fr", "demo"], ["demo", "--lang=klingon"], ["demo", "--lang"]])
def test_an_unknown_language_is_one_clear_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gdlab: error: lang=") and "valid: en, zh-CN" in err


def test_errors_from_a_command_are_in_the_language(tmp_path, capsys):
    missing = tmp_path / "model.safetensors"
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code = main(["predict", str(missing), str(tmp_path / "x.csv"), "--lang", "zh-CN"])
    assert code == 2
    assert capsys.readouterr().err.startswith("gdlab：错误：")


@pytest.mark.parametrize("argv,expected", [(["demo"], None), (["--lang", "zh-CN", "demo"], "zh-CN"),
                                           (["demo", "--lang=en", "--lang", "zh"], "zh"),
                                           (["train", "--", "--lang", "zh"], None)])
def test_the_language_argument_is_found_anywhere_before_a_double_dash(argv, expected):
    assert _lang_argument(argv) == expected


@pytest.mark.parametrize("text,width,expected", [("epoch", 5, "epoch"), ("轮次", 5, " 轮次"), ("准确率", 8, "  准确率"),
                                                 ("loss", 8, "    loss"), ("迭代次数", 6, "迭代次数")])
def test_columns_align_by_terminal_width(text, width, expected):
    assert rjust(text, width) == expected


def test_the_demo_table_speaks_chinese(capsys):
    assert main(["demo", "--epochs", "1", "--lang", "zh-CN"]) == 0
    out = capsys.readouterr().out
    assert " 轮次   迭代次数  累计迭代     损失   准确率 val_loss  val_acc" in out
    assert "批大小 32 → ⌈" in out and "测试准确率" in out


def test_a_table_lines_up_chinese_headers_in_terminal_columns():
    from gdlab.reporting.tables import Table

    text = Table(["批大小", "loss"], [["1", "0.25"], ["1,024", "0.125"]]).to_text()
    assert text.splitlines() == ["批大小   loss", "──────  ─────", "     1   0.25", " 1,024  0.125"]
