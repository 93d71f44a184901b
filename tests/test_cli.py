import re

from gdlab.cli import main


def test_demo_prints_the_epoch_table_and_accuracy(capsys):
    assert main(["demo", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "⌈1293/32⌉ = 41 iterations per epoch" in out
    rows = re.findall(r"^\s+(\d+)\s+41\s+(\d+)", out, re.M)
    assert rows == [("1", "41"), ("2", "82"), ("3", "123")]
    acc = float(re.search(r"test accuracy (\d\.\d+)", out).group(1))
    assert 0.85 < acc <= 1.0


def test_bad_arguments_give_a_clean_error(capsys):
    assert main(["demo", "--batch-size", "0", "--epochs", "1"]) == 2
    assert "batch_size=0" in capsys.readouterr().err
