"""The lab's range-test section: the spread over seeds, and what it says when a suggestion is at an edge."""

from gdlab.lab.studies import STUDIES
from gdlab.lab.studies.lr_find import experiment
from gdlab.lab.studies.lr_find.section import spread_text


def test_the_section_shows_the_spread_over_three_seeds():
    cfg = STUDIES["lr-find"].make(n=60)
    r = experiment.run(cfg)
    sp = r.spread()
    assert sp["seeds"] == 3 and len(r.finder.repeats) == 3
    assert r.finder.suggestion == sorted(sp["suggestions"])[1]
    text = spread_text(r, cfg)
    assert f"from {sp['min']:.3g} to {sp['max']:.3g}" in text and "seeds 0–2" in text
    assert ("No seed's suggestion is at an edge" in text) == (sp["edges"] == {})


def test_an_edge_suggestion_is_named_with_its_seed():
    cfg = STUDIES["lr-find"].make(n=60, start_lr=1e-4, end_lr=1e-3, iterations=30, seed=4)
    r = experiment.run(cfg)
    assert r.spread()["edges"], "the loss still falls at η = 1e-3: the steepest point is the last one searched"
    text = spread_text(r, cfg)
    assert "At the edge of the searched range" in text and "seed 4 (last point)" in text
    assert r.table().rows[2] == ["seeds whose suggestion is at an edge of the range", str(len(r.spread()["edges"]))]
