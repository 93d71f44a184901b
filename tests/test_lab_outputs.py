"""Figures are real PNGs of the expected size; the report parses and embeds everything; the CLI works."""

import base64
import json
import os
import struct
import warnings
from html.parser import HTMLParser

import matplotlib
import pytest

from gdlab.cli import main
from gdlab.reporting import figures as plots
from gdlab.lab.claims import CLAIMS
from gdlab.lab.report import build_report

TINY = {
    "basics": {"n": 40, "iterations": 2},
    "linear": {"steps": 10},
    "regimes": {"n": 80, "epochs": 2, "cost_sizes": (100, 400)},
    "momentum": {"steps": 100, "betas": (0.5, 0.9), "learning_rates": (0.01, 0.07), "adadelta_steps": 100},
    "surfaces": {"names": ("bowl", "saddle"), "steps": 60},
    "compare": {"epochs": 1},
    "batch-size": {"batch_sizes": (32, 128, "full"), "learning_rates": (1.0, 0.3), "target_accuracy": 0.7,
                   "max_steps": 200, "noise_samples": 40},
    "lr-find": {"n": 60},
    "activations": {},
    "curvature": {"n": 60, "hidden": 4, "steps": 60, "checkpoints": 2, "rate_steps": 40, "eta_factors": (0.5, 2.2),
                  "plane_factors": (1.0, 3.0), "plane_betas": (0.9,)},
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

    @staticmethod
    def ids(text):
        import re

        return re.findall(r'<section id="([^"]+)"', text)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    old = os.umask(0o027)
    try:
        rc_before = dict(matplotlib.rcParams)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            index = build_report(out, overrides=TINY, echo=None)
        rc_after = dict(matplotlib.rcParams)
    finally:
        os.umask(old)
    return out, index, rc_before, rc_after, caught


EXPECTED_SIZES = {
    "linear.png": plots.WIDE, "linear_paths.png": (12.0, 3.6), "regimes.png": (12.0, 7.0),
    "momentum.png": plots.WIDE, "momentum_theory.png": plots.WIDE, "surface_bowl.png": (7.0, 10.0), "surface_saddle.png": (7.0, 10.0),
    "compare.png": (12.0, 7.0), "batch_size.png": (12.0, 8.0), "lr_find.png": (9.5, 4.2),
    "activations.png": (12.0, 5.2), "curvature.png": (12.0, 4.6),
}


@pytest.mark.parametrize("name,size", EXPECTED_SIZES.items())
def test_every_figure_is_a_png_of_the_expected_size(report, name, size):
    out = report[0]
    w, h = png_size((out / name).read_bytes())
    assert (w, h) == (round(size[0] * plots.DPI), round(size[1] * plots.DPI))


def test_the_page_parses_embeds_every_image_and_has_every_table(report):
    out, index = report[:2]
    text = index.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    page.close()
    assert page.sections == ["claims", *TINY]
    assert len(page.images) == len(EXPECTED_SIZES)
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in page.images)
    on_disk = sorted((out / n).read_bytes() for n in EXPECTED_SIZES)
    assert embedded == on_disk
    # claims 1, basics 1, linear 2, regimes 2, momentum 4, surfaces 2, compare 1, batch 3, lr 1, activations 1,
    # curvature 2
    assert page.tables == 1 + 1 + 2 + 2 + 4 + 2 + 1 + 3 + 1 + 1 + 2
    for caption in ("2/λ (divergence threshold)", "batch-loss CV", "settled: stays &lt; 0.0001 from", "val acc",
                    "tuned η", "The tutorial&#x27;s view", "suggested η (steepest descent)", "f&#x27;(0)",
                    "numba ", "cores", "s CPU"):
        assert caption in text, caption
    for claim in sorted(CLAIMS):
        assert f'href="#claim-{claim}"' in text and f'id="claim-{claim}"' in text


def test_claims_json_lists_every_claim_with_computed_verdicts(report):
    out, index = report[:2]
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in claims] == sorted(CLAIMS) == list(range(1, len(CLAIMS) + 1))
    ids = set(Page.ids(index.read_text(encoding="utf-8")))
    for c in claims:
        assert set(c) >= {"id", "claim", "section", "verdict", "evidence"}
        assert c["verdict"] in ("shown", "not_observed") and c["section"] in ids and c["evidence"]
        assert c["sentence"].startswith("Not observed in this run") == (c["verdict"] == "not_observed")


def test_batch_size_json(report):
    data = json.loads((report[0] / "batch_size.json").read_text(encoding="utf-8"))
    assert [b["batch_size"] for b in data["batch_sizes"]][:2] == [32, 128]
    for b in data["batch_sizes"]:
        assert set(b) >= {"tuned_learning_rate", "steps_to_target", "epochs_to_target", "seconds_to_target",
                          "step_memory_bytes"}
    assert set(data) >= {"S_min", "E_min", "B_noise_fitted", "B_simple_measured", "recommended_batch_size"}


def _drawing_warnings(caught):
    """Warnings raised while drawing: matplotlib's own, or any warning attributed to a figure module."""
    return [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
            if "matplotlib" in w.filename or w.filename.endswith(("plots.py", "figures.py"))
            or issubclass(w.category, UserWarning)]


def test_every_figure_of_every_study_draws_without_a_matplotlib_warning(report):
    """The report above renders every figure of every study; none may warn ("No artists with labels
    found", tight-layout failures, glyphs missing from the font, …)."""
    assert _drawing_warnings(report[4]) == []


def test_a_batch_size_run_that_reaches_nothing_draws_without_warnings(tmp_path):
    """The strict backend's small run: no batch size reaches the target, so panels have nothing labelled."""
    from gdlab.lab.studies import STUDIES

    study = STUDIES["batch-size"]
    cfg = study.make(batch_sizes=(16, "full"), learning_rates=(0.1,), max_steps=40, noise_samples=50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.section(tmp_path, cfg)
    assert _drawing_warnings(caught) == []


def test_legend_text_is_at_least_10_px_at_1280_px():
    """10-point text at DPI 100 is 13.9 px; the page shows a figure at ≥ 75 % of its size at 1280 px."""
    size = matplotlib.font_manager.FontProperties(size=plots.RC_PARAMS["legend.fontsize"]).get_size_in_points()
    assert size * plots.DPI / 72 * 0.75 >= 10


def test_files_honour_the_umask_and_matplotlib_state_is_untouched(report):
    out, index, rc_before, rc_after = report[:4]
    for name in ("index.html", "claims.json", "batch_size.json", "linear.png"):
        assert (out / name).stat().st_mode & 0o777 == 0o640, name  # 0o666 & ~0o027
    assert rc_before == rc_after


SUBCOMMANDS = ["basics", "linear", "regimes", "momentum", "surfaces", "compare", "batch-size", "lr-find",
               "activations", "curvature", "report"]


@pytest.mark.parametrize("cmd", SUBCOMMANDS)
def test_every_subcommand_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        main(["lab", cmd, "--help"])
    assert e.value.code == 0
    assert "--out" in capsys.readouterr().out


TINY_RUNS = [  # (argv, the files it writes)
    (["basics", "--n", "30", "--iterations", "2"], []),
    (["linear", "--steps", "5", "--n", "10"], ["linear.png", "linear_paths.png"]),
    (["regimes", "--n", "40", "--epochs", "1", "--cost-sizes", "100,200"], ["regimes.png"]),
    (["momentum", "--steps", "50", "--betas", "0.9", "--learning-rates", "0.07", "--adadelta-steps", "50"],
     ["momentum.png", "momentum_theory.png"]),
    (["surfaces", "--names", "bowl", "--steps", "20"], ["surface_bowl.png"]),
    (["compare", "--epochs", "1"], ["compare.png"]),
    (["batch-size", "--batch-sizes", "64,256,full", "--learning-rates", "1,0.3", "--max-steps", "100",
      "--target-accuracy", "0.5", "--noise-samples", "20"], ["batch_size.json", "batch_size.png"]),
    (["lr-find", "--n", "40"], ["lr_find.png"]),
    (["activations"], ["activations.png"]),
    (["curvature", "--n", "40", "--hidden", "3", "--steps", "20", "--checkpoints", "2", "--rate-steps", "20",
      "--eta-factors", "0.5,2.2", "--plane-factors", "1,3", "--plane-betas", "0.9"], ["curvature.png"]),
]


@pytest.mark.parametrize("argv,files", TINY_RUNS, ids=[a[0][0] for a in TINY_RUNS])
def test_tiny_run_prints_a_table_and_writes_its_files(argv, files, tmp_path, capsys):
    assert main(["lab", *argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ") and "──" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert all(png_size((tmp_path / f).read_bytes())[0] > 0 for f in files if f.endswith(".png"))


def test_report_subcommand_with_only(tmp_path, capsys):
    assert main(["lab", "report", "--out", str(tmp_path), "--only", "linear", "activations"]) == 0
    assert "index.html" in capsys.readouterr().out
    assert (tmp_path / "index.html").exists()


@pytest.mark.parametrize("argv,message", [
    (["lab", "batch-size", "--batch-sizes", "0,8"], "must be a positive integer"),
    (["lab", "batch-size", "--learning-rates", "0.1,-1"], "must be a positive number"),
    (["lab", "linear", "--steps", "0"], "must be a positive integer"),
    (["lab", "report", "--memory-mib", "-3"], "must be a number >= 0"),
    (["lab", "report", "--only", "nonsense"], "invalid choice"),
])
def test_bad_cli_values(argv, message, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err


def test_cli_defaults_come_from_the_settings_dataclasses(capsys):
    from gdlab.lab.studies.batch_size import Settings as BatchSizeSettings

    with pytest.raises(SystemExit):
        main(["lab", "batch-size", "--help"])
    text = capsys.readouterr().out
    default = ",".join(map(str, BatchSizeSettings().batch_sizes))
    assert f"(default: {default})" in " ".join(text.split())
