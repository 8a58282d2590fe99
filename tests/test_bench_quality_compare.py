"""The plan-quality benchmark's comparison of runs (benchmarks/bench_plan_quality.py):
a run's years saved exactly and merged, a later run scored against them year by
year, the standard error of a mean, and a bad saved file stopping the run
before it starts."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from benchmarks import bench_plan_quality as bench
from benchmarks import hindsight_cache as cache
from benchmarks.bench_plan_quality import YearResult


def year(seed: int, advisor: int, hindsight: int = 99_000, missed: int = 0) -> YearResult:
    """A scored year: value captured = hindsight ÷ advisor cost × 100."""
    return YearResult(seed, Fraction(hindsight), True, 0.0, Fraction(110_000), Fraction(advisor), missed, 0, 0.0)


def test_standard_error_is_the_sample_deviation_over_the_root_of_n():
    assert bench.standard_error([Fraction(99), Fraction(101)]) == pytest.approx(1.0)
    # variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3 over 4 years
    assert bench.standard_error([Fraction(x) for x in (1, 2, 3, 4)]) == pytest.approx(math.sqrt(5 / 3 / 4))
    assert bench.standard_error([Fraction(99)]) is None
    assert bench.standard_error([Fraction(5)] * 3) == 0


def test_figures_give_the_standard_error_of_the_advisors_mean():
    rows = [year(1, 100_000), year(2, 99_000)]  # 99 % and 100 %
    figure = next(f for f in bench.figures(rows) if "standard error" in f.name)
    assert figure.value == pytest.approx(0.5) and figure.unit == "pt" and "√2" in figure.note
    assert not [f for f in bench.figures(rows[:1]) if "standard error" in f.name]


def test_saved_years_round_trip_exactly_and_a_later_run_adds_to_them(tmp_path):
    path = str(tmp_path / "run.json")
    bench.save_years(path, [year(1, 100_000), year(2, 99_500), year(3, 99_000, missed=1_000)])
    assert bench.load_saved(path) == {1: Fraction(99), 2: Fraction(99_000_00, 99_500)}  # missed: not scored
    bench.save_years(path, [year(2, 99_000), year(4, 98_000)])
    assert bench.load_saved(path) == {1: Fraction(99), 2: Fraction(100), 4: Fraction(99_000_00, 98_000)}
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert list(data["years"]) == ["1", "2", "4"] and data["conditions"] == bench.run_conditions()
    assert not (tmp_path / "run.json.tmp").exists()


def test_a_run_is_scored_against_the_saved_one_year_by_year(tmp_path):
    saved = {1: Fraction(99), 2: Fraction(98), 3: Fraction(97), 9: Fraction(50)}
    rows = [year(1, 100_000), year(2, 99_000), year(3, 99_000, missed=500), year(5, 99_000)]
    figure = bench.paired_figure(rows, saved, "base.json")
    # years 1 and 2 in common: 99 → 99 (0) and 98 → 100 (+2); 3 missed a spend, 5 and 9 are in one run only
    assert figure.value == pytest.approx(1.0) and figure.unit == "pt"
    assert figure.note.startswith("base.json: 2 years in common, standard error 1.000; better in 1, worse in 0")
    assert "y1: +0.00, y2: +2.00" in figure.note and "y3" not in figure.note and "y5" not in figure.note
    empty = bench.paired_figure(rows, {7: Fraction(99)}, "other.json")
    assert math.isnan(empty.value) and "no year in common" in empty.note


@pytest.mark.parametrize("content, says", [
    (None, "No such file"),
    ("{not json", "Expecting property name"),
    ('{"format": 2, "conditions": {}, "years": {}}', "format 2, expected 1"),
    ('{"format": 1, "years": {}}', "conditions"),
    ('{"format": 1, "conditions": "x", "years": {}}', "taken with x"),
])
def test_an_unreadable_saved_run_is_one_line_naming_the_variable_and_file(tmp_path, content, says):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        bench.load_saved(str(path))
    message = str(e.value)
    assert message.startswith(f"QUALITY_AGAINST={path}: ") and says in message and "\n" not in message


def test_a_run_saved_under_other_conditions_is_not_compared(tmp_path, monkeypatch):
    path = str(tmp_path / "run.json")
    bench.save_years(path, [year(1, 100_000)])
    monkeypatch.setattr(bench, "HISTORY_YEARS", 20)  # the history changes every year's figures
    with pytest.raises(SystemExit, match="history_years"):
        bench.load_saved(path)
    with pytest.raises(SystemExit, match=f"QUALITY_SAVE={path}: taken with"):
        bench.save_years(path, [year(2, 100_000)])


def test_a_bad_saved_file_stops_the_run_before_any_year_is_replayed(tmp_path, monkeypatch):
    def replayed(*a):
        raise AssertionError("years were replayed")

    monkeypatch.setattr(bench, "results", replayed)
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    for var in ("QUALITY_AGAINST", "QUALITY_SAVE"):
        monkeypatch.delenv("QUALITY_AGAINST", raising=False)
        monkeypatch.setenv(var, str(tmp_path / "bad.json"))
        with pytest.raises(SystemExit, match=f"{var}="):
            bench.run()
    monkeypatch.setenv("QUALITY_SAVE", str(tmp_path / "nowhere" / "run.json"))
    with pytest.raises(SystemExit, match="no such directory"):
        bench.run()


def test_run_saves_its_years_and_scores_them_against_a_saved_run(tmp_path, monkeypatch):
    base, now = str(tmp_path / "base.json"), str(tmp_path / "now.json")
    bench.save_years(base, [year(1, 99_000), year(2, 99_000)])  # 100 % each
    monkeypatch.setattr(bench, "results", lambda: [year(1, 100_000), year(2, 99_000)])
    monkeypatch.setenv("QUALITY_AGAINST", base)
    monkeypatch.setenv("QUALITY_SAVE", now)
    paired = next(f for f in bench.run() if "saved run" in f.name)
    assert paired.value == pytest.approx(-0.5) and "better in 0, worse in 1" in paired.note
    assert bench.load_saved(now) == {1: Fraction(99), 2: Fraction(100)}


def test_the_checked_in_baseline_holds_every_cached_year_under_the_default_conditions():
    baseline = bench.load_saved(bench.BASELINE)
    cached = {entry["seed"] for entry in cache.load().values() if not entry["caps_bind"]}
    assert set(baseline) == cached and len(baseline) >= 100
    assert all(90 < pct <= 100 for pct in baseline.values())
