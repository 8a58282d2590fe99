"""The plan-quality benchmark's hindsight cache (benchmarks/hindsight_cache.py):
a year's fingerprint follows exactly what the hindsight solve reads, an entry
round-trips exactly, and an entry is used only under its own fingerprint."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import pytest

import benchmarks.simulator as simulator
from benchmarks import bench_plan_quality as bench
from benchmarks import hindsight_cache as cache
from benchmarks.hindsight_cache import Hindsight, fingerprint
from benchmarks.simulator import SEEN, START, Replay, SimCampaign, Year, generate, hindsight_inputs, sim_market
from advisor.business_days import Calendar
from advisor.model import Campaign, Plan, Spend


@pytest.fixture
def path(tmp_path, monkeypatch):
    p = tmp_path / "hindsight_cache.json"
    monkeypatch.setattr(cache, "PATH", p)
    return p


def test_fingerprint_is_stable_across_generate_calls_and_differs_between_seeds():
    prints = [fingerprint(generate(seed), 120) for seed in range(6)]
    assert prints == [fingerprint(generate(seed), 120) for seed in range(6)]
    assert len(set(prints)) == 6 and all(re.fullmatch("[0-9a-f]{64}", p) for p in prints)
    assert fingerprint(generate(0), 60) != prints[0]  # the time limit decides a bound


def test_fingerprint_follows_caps_bind_when_it_changes_the_year_and_not_history_years():
    # Seed 3 draws 57,200 Hapitas pt (over the 30,000 pt cap): caps_bind is another
    # year; seed 1 draws 22,600, so caps_bind leaves it the same year.
    assert fingerprint(generate(3, caps_bind=True), 120) != fingerprint(generate(3), 120)
    assert fingerprint(generate(1, caps_bind=True), 120) == fingerprint(generate(1), 120)
    # Older history comes from its own stream and hindsight never reads history:
    # the same solve, so the same entry serves QUALITY_HISTORY_YEARS=5.
    one, five = generate(0), generate(0, history_years=5)
    assert len(five.history) > len(one.history)
    assert hindsight_inputs(one) == hindsight_inputs(five)
    assert fingerprint(one, 120) == fingerprint(five, 120)


def test_fingerprint_is_canonical_and_sees_every_input():
    year = generate(0)
    fp = fingerprint(year, 120)
    assert fingerprint(replace(year, balances=dict(reversed(year.balances.items()))), 120) == fp
    assert fingerprint(replace(year, history=[]), 120) == fp
    first_come = next(k for k, c in enumerate(year.campaigns) if c.announced.first_come)
    changed = [
        replace(year, balances={**year.balances, "moppy": year.balances["moppy"] + 100}),
        replace(year, spends=year.spends[:-1]),
        replace(year, spends=[replace(year.spends[0], yen=year.spends[0].yen + 1_000)] + year.spends[1:]),
        replace(year, exits=[replace(year.exits[1], monthly_cap_points=20_000)] + year.exits[:1] + year.exits[2:]),
        replace(year, campaigns=year.campaigns[1:]),
        # the real end is what hindsight reads, not the announced one
        replace(year, campaigns=[replace(c, actual_end=c.announced.ends_on + timedelta(days=1))
                                 if k == first_come else c for k, c in enumerate(year.campaigns)]),
        replace(year, calendar=Calendar(closed_days=frozenset({START + timedelta(days=10)}))),
        replace(year, calendar=Calendar(year_end=None)),
    ]
    prints = [fingerprint(y, 120) for y in changed]
    assert fp not in prints and len(set(prints)) == len(prints)


def test_a_cached_entry_round_trips_to_the_exact_fraction(path):
    best = Hindsight(Fraction(10**40 + 1, 7**25), Fraction(10**40 - 1, 7**25), False, 0, 119.9)
    cache.store("ab" * 32, best, {"seed": 7, "caps_bind": False})
    entry = json.loads(path.read_text())["entries"]["ab" * 32]
    assert entry["cost_bound"] == f"{10**40 - 1}/{7**25}" and entry["seed"] == 7
    back = cache.lookup("ab" * 32)
    assert back == best and type(back.cost_bound) is Fraction
    none = Hindsight(Fraction(5), None, False, 300, 1.0)
    cache.store("cd" * 32, none, {"seed": 8})
    assert cache.lookup("cd" * 32) == none and cache.lookup("ab" * 32) == back


def _short_year(seed=0):
    """Two spends and one later +10 % campaign: a hindsight solve of milliseconds."""
    c = Campaign("hapitas", "dotmoney", "+10%", "bonus", 1_000, START + timedelta(days=25),
                 START + timedelta(days=29), "u", SEEN, ident="later")
    return Year(seed, sim_market(), {"hapitas": 10_000, "pointincome": 100_000},
                [Spend(START + timedelta(days=20), 5_000), Spend(START + timedelta(days=40), 8_000)],
                [], [SimCampaign(c, c.ends_on)])


def _no_solve(*a, **k):
    raise AssertionError("solved although the entry was cached")


def test_an_entry_is_used_under_its_fingerprint_only(path, monkeypatch):
    year = _short_year()
    best, fp, cached = bench.hindsight_of(year, True)
    assert not cached and best.proven and best.shortfall == 0 and best.seconds < 2
    cache.store(fp, best, {"seed": 0})
    monkeypatch.setattr(simulator, "hindsight", _no_solve)
    assert bench.hindsight_of(year, True) == (best, fp, True)
    # Tampered: the same entry under a fingerprint one digit off is never this year's.
    tampered = fp[:-1] + ("0" if fp[-1] != "0" else "1")
    path.write_text(path.read_text().replace(fp, tampered))
    assert cache.lookup(fp) is None
    with pytest.raises(AssertionError, match="solved although"):
        bench.hindsight_of(year, True)
    # Nor is an entry of another year (a different spend) used for this one.
    other = replace(year, spends=[year.spends[0], replace(year.spends[1], yen=9_000)])
    cache.store(fingerprint(other, bench.HINDSIGHT_SECONDS), best, {"seed": 0})
    with pytest.raises(AssertionError, match="solved although"):
        bench.hindsight_of(year, True)


def test_run_year_reads_the_cache_and_update_writes_what_it_solved(path, monkeypatch):
    year = _short_year(seed=41)
    monkeypatch.setattr(simulator, "generate", lambda seed, *a: replace(year, seed=seed))
    monkeypatch.setattr(simulator, "naive", lambda y: Plan(cost=Fraction(13_500)))
    monkeypatch.setattr(simulator, "replay", lambda y: Replay(cost=Fraction(13_100)))
    monkeypatch.setenv("QUALITY_HINDSIGHT_CACHE", "on")
    solved = bench._remember(bench.run_year(41))
    assert not solved.hindsight_cached and solved.solved is not None and not path.exists()  # "on" never writes
    monkeypatch.setenv("QUALITY_HINDSIGHT_CACHE", "update")
    bench._remember(bench.run_year(41))
    assert cache.lookup(solved.fingerprint) == solved.solved
    monkeypatch.setattr(simulator, "hindsight", _no_solve)
    monkeypatch.setenv("QUALITY_HINDSIGHT_CACHE", "on")
    read = bench.run_year(41)
    assert read.hindsight_cached and read.solved is None
    assert (read.hindsight, read.hindsight_proven) == (solved.hindsight, solved.hindsight_proven)
    figure = next(f for f in bench.figures([solved, read]) if "from the cache" in f.name)
    assert (figure.value, figure.baseline) == (1, 2) and "y41" in figure.note
    monkeypatch.setenv("QUALITY_HINDSIGHT_CACHE", "off")
    with pytest.raises(AssertionError, match="solved although"):
        bench.run_year(41)
    monkeypatch.setenv("QUALITY_HINDSIGHT_CACHE", "yes")
    with pytest.raises(ValueError):
        bench.run_year(41)


def test_the_checked_in_cache_is_well_formed():
    if cache.PATH.exists():
        assert json.loads(cache.PATH.read_text(encoding="utf-8"))["format"] == cache.FORMAT
    for fp, entry in cache.load().items():
        assert re.fullmatch("[0-9a-f]{64}", fp)
        best = Hindsight.from_json(entry)
        assert best.seconds >= 0 and best.shortfall >= 0 and isinstance(entry["seed"], int)
        assert best.cost_bound is None or best.cost_bound <= best.cost
        assert not best.proven or best.cost_bound == best.cost


def test_the_checked_in_baseline_scores_exactly_the_cached_years():
    # README: quality_baseline.json holds every cached year, so a paired run
    # (QUALITY_AGAINST) over any cached set compares every year it scores.
    baseline = bench.load_saved(str(cache.PATH.with_name("quality_baseline.json")))
    cached = {entry["seed"] for entry in cache.load().values() if not entry["caps_bind"]}
    assert set(baseline) == cached
    assert all(0 < pct <= 100 for pct in baseline.values())
