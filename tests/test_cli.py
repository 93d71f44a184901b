import re

import pytest

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


def line_model(tmp_path):
    import gdlab
    from gdlab.layers import Dense

    model = gdlab.Sequential([gdlab.Input((1,)), Dense(1)], seed=0)
    model.compile("sgd", "mse")
    model.build()
    path = tmp_path / "line.safetensors"
    model.save(path)
    return path


@pytest.mark.parametrize("drop,message", [
    ([], "expects 1 input column(s); {csv} has 2: area, rooms; ignore the extra ones with --drop NAME"),
    (["--drop", "area", "rooms"], "expects 1 input column(s); {csv} has 0 after --drop area rooms\n"),
    (["--drop", "price"], "--drop price: no such column in {csv} (its columns: area, rooms)"),
])
def test_predict_names_the_csv_columns_expected_and_found(tmp_path, capsys, drop, message):
    model = line_model(tmp_path)
    csv = tmp_path / "rows.csv"
    csv.write_text("area,rooms\n1.5,3\n2.0,4\n")
    assert main(["predict", str(model), str(csv), *drop]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gdlab: error: ") and message.format(csv=csv) in err, err
    assert main(["predict", str(model), str(csv), "--drop", "rooms"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "prediction"


def test_epochs_are_1_based_everywhere():
    import gdlab
    from gdlab import datasets
    from gdlab.layers import Dense
    from gdlab.optimizers import SGD
    from gdlab.training import NonFiniteLossError

    x, y = datasets.house_prices(n=20, seed=0)
    model = gdlab.Sequential([gdlab.Input((1,)), Dense(1, use_bias=False)], dtype="float32", seed=0)
    model.compile(SGD(lr=1e4), "mse")
    with pytest.raises(NonFiniteLossError, match=r"^training diverged: the loss became inf at epoch 1, ") as err:
        model.fit(x, y, epochs=3, batch_size=1, verbose=2, seed=0)
    assert err.value.epoch == 0  # the attribute stays an index, as history.epoch


def test_keyboard_interrupt_is_one_line_exit_130(monkeypatch, capsys):
    import gdlab.cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(gdlab.cli, "_demo", interrupted)
    assert main(["demo", "--epochs", "1"]) == 130
    assert capsys.readouterr().err == "gdlab: error: interrupted; run the same command again to resume\n"
