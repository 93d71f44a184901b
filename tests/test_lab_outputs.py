"""Figures are real PNGs of the expected size; the report parses and embeds everything; the CLI works."""

import base64
import struct
from html.parser import HTMLParser

import pytest

from gdlab.cli import main
from gdlab.lab import plots
from gdlab.lab.report import build_report

TINY = {
    "linear": {"steps": 10},
    "regimes": {"n": 80, "epochs": 2},
    "surfaces": {"names": ("bowl", "saddle"), "steps": 60},
    "compare": {"epochs": 1},
    "batch-size": {"batch_sizes": (32, "full"), "epochs": 2},
    "lr-find": {"n": 60},
    "activations": {},
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self.sections, self.stack = [], 0, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        if tag == "table":
            self.tables += 1
        if tag == "section":
            self.sections.append(a["id"])
        if tag not in ("img", "meta"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    index = build_report(out, overrides=TINY, echo=None)
    return out, index


EXPECTED_SIZES = {
    "linear.png": plots.WIDE, "linear_paths.png": (12.0, 3.6), "regimes.png": (12.0, 7.0),
    "surface_bowl.png": plots.WIDE, "surface_saddle.png": plots.WIDE, "compare.png": (12.0, 7.0),
    "batch_size.png": (12.0, 7.0), "lr_find.png": (8.0, 4.2), "activations.png": (12.0, 5.2),
}


@pytest.mark.parametrize("name,size", EXPECTED_SIZES.items())
def test_every_figure_is_a_png_of_the_expected_size(report, name, size):
    out, _ = report
    w, h = png_size((out / name).read_bytes())
    assert (w, h) == (round(size[0] * plots.DPI), round(size[1] * plots.DPI))


def test_the_page_parses_embeds_every_image_and_has_every_table(report):
    out, index = report
    text = index.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    page.close()
    assert page.sections == list(TINY)
    assert len(page.images) == len(EXPECTED_SIZES)
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in page.images)
    on_disk = sorted((out / n).read_bytes() for n in EXPECTED_SIZES)
    assert embedded == on_disk
    assert page.tables == 1 + 2 + 2 + 1 + 2 + 1 + 1  # linear 2, regimes 1, surfaces 2, compare 1, batch 2, lr 1, act 1
    for caption in ("2/λ (divergence threshold)", "batch-loss CV", "steps to f − f* &lt; 0.0001", "val acc",
                    "B_simple = tr(Σ)/|G|²", "suggested η (steepest descent)", "f&#x27;(0)"):
        assert caption in text, caption
    assert "Recommendation: B = " in text


SUBCOMMANDS = ["linear", "regimes", "surfaces", "compare", "batch-size", "lr-find", "activations", "report"]


@pytest.mark.parametrize("cmd", SUBCOMMANDS)
def test_every_subcommand_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        main(["lab", cmd, "--help"])
    assert e.value.code == 0
    assert "--out" in capsys.readouterr().out


TINY_RUNS = [
    ["linear", "--steps", "5", "--n", "10"],
    ["regimes", "--n", "40", "--epochs", "1"],
    ["surfaces", "--names", "bowl", "--steps", "20"],
    ["compare", "--epochs", "1"],
    ["batch-size", "--batch-sizes", "64,full", "--epochs", "1"],
    ["lr-find", "--n", "40"],
    ["activations"],
]


@pytest.mark.parametrize("argv", TINY_RUNS, ids=[a[0] for a in TINY_RUNS])
def test_tiny_run_prints_a_table_and_writes_pngs(argv, tmp_path, capsys):
    assert main(["lab", *argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ") and "──" in out
    pngs = list(tmp_path.glob("*.png"))
    assert pngs and all(png_size(p.read_bytes())[0] > 0 for p in pngs)


def test_report_subcommand_with_only(tmp_path, capsys):
    assert main(["lab", "report", "--out", str(tmp_path), "--only", "linear", "activations"]) == 0
    assert "index.html" in capsys.readouterr().out
    assert (tmp_path / "index.html").exists()


def test_bad_cli_values(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "batch-size", "--batch-sizes", "0,8"])
    assert "must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["lab", "report", "--only", "nonsense"])
