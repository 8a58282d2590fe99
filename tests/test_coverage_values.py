"""The dynamic program over covered spend (`timing.coverage_values`) against
a plain expectimax over every day's outcome, in exact fractions, and against
closed forms where there is one."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from advisor.timing import _window_max, coverage_values, holding_worth

CHUNK = 1_000


def expectimax(days, needs, kinds, chunk=CHUNK):
    """The best expected gain from day 1 on, for every number of chunks
    covered today (what is due today among them), by walking the tree of
    days: on each day at most one kind starts (or none); when one does,
    cover any x chunks it can pay (x · gain); by the end of day t whatever
    is due by t is covered."""
    total = sum(y for _, y in needs)
    m = -(-total // chunk)

    def due(t):
        return min(m, -(-sum(y for d, y in needs if d <= t) // chunk))

    def caps(cap):
        return m if cap is None else min(m, max(1, int(cap // chunk)))

    def value(t, c):
        if t > days:
            return Fraction(0)
        after = lambda c2: value(t + 1, max(c2, due(t)))  # noqa: E731
        out = (1 - sum(p for p, _, _ in kinds)) * after(c)
        for p, g, cap in kinds:
            out += p * max(x * g + after(c + x) for x in range(min(caps(cap), m - c) + 1))
        return out

    return [value(1, max(c, due(0))) for c in range(m + 1)]


kind = st.tuples(st.fractions(min_value=0, max_value=Fraction(1, 3), max_denominator=12),
                 st.integers(min_value=0, max_value=1_200).map(Fraction),
                 st.one_of(st.none(), st.integers(min_value=1, max_value=4_500).map(Fraction)))


@settings(max_examples=150, deadline=None)
@given(days=st.integers(min_value=0, max_value=4),
       needs=st.lists(st.tuples(st.integers(min_value=-1, max_value=6), st.integers(min_value=1, max_value=2_600)),
                      max_size=3),
       kinds=st.lists(kind, max_size=3))
def test_coverage_values_are_the_expectimax_of_every_day_outcome(days, needs, kinds):
    got = coverage_values(days, needs, kinds)
    want = expectimax(days, needs, kinds)
    assert len(got) == len(want)
    assert got == pytest.approx([float(w) for w in want], abs=1e-9)


def test_one_uncapped_kind_is_worth_its_gain_if_it_starts_at_all_before_the_deadline():
    # 3 chunks due on day 20, +5 % starting with chance 1/10 a day: the first
    # one covers all three
    v = coverage_values(30, [(20, 3_000)], [(Fraction(1, 10), Fraction(500), None)])
    assert v[0] == pytest.approx(3 * 500 * (1 - 0.9 ** 20))
    assert v[3] == 0


def test_a_capped_kind_covers_a_chunk_each_time_it_starts():
    # capped at ¥1,000: each start pays one chunk, so 3 chunks get
    # 500 bp · E[min(N, 3)] for N starts in 59 days
    p = Fraction(1, 10)
    v = coverage_values(60, [(59, 3_000)], [(p, Fraction(500), Fraction(1_000))])
    starts = [comb(59, n) * p ** n * (1 - p) ** (59 - n) for n in range(3)]
    expected = 500 * (3 - sum((3 - n) * q for n, q in enumerate(starts)))
    assert v[0] == pytest.approx(float(expected))
    assert holding_worth(v, 0, 3) == pytest.approx(float(expected / 3))


def test_spend_due_before_any_campaign_can_start_is_worth_nothing_to_hold():
    # 2 chunks due today (day 0) are paid whatever comes; 1 more due day 10
    v = coverage_values(10, [(0, 2_000), (10, 1_000)], [(Fraction(1, 5), Fraction(300), None)])
    assert v[0] == v[1] == v[2] == pytest.approx(300 * (1 - 0.8 ** 10))
    assert holding_worth(v, 0, 2) == 0 and holding_worth(v, 2, 1) == pytest.approx(300 * (1 - 0.8 ** 10))


def test_holding_worth_reads_between_chunks_in_a_straight_line():
    v = np.array([900.0, 500.0, 200.0, 0.0])
    assert holding_worth(v, 0, 1) == 400
    assert holding_worth(v, 0.5, 1) == (700 - 350)
    assert holding_worth(v, 1, 2) == 250
    assert holding_worth(v, 2, 0) == 0


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(st.integers(-50, 50), min_size=1, max_size=9), min_size=1, max_size=3),
       width=st.integers(min_value=0, max_value=10))
def test_window_max_is_the_max_over_each_window(rows, width):
    n = min(len(r) for r in rows)
    a = np.array([r[:n] for r in rows], dtype=float)
    want = [[max(r[i:i + width + 1]) for i in range(n)] for r in a.tolist()]
    assert _window_max(a, width).tolist() == want
