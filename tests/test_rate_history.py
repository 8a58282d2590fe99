"""What recommend's forecasts read of an exit's stored history: when it was
first seen and each change of its rate, on SQLite and on PostgreSQL."""

from datetime import timedelta
from fractions import Fraction

import pytest

from advisor.timing import History, RateChange
from pointexit.market import change_bp, histories
from storage.engine import open_engine
from storage.queries import campaigns, current_exits, rate_history
from storage.records import ExitSeen, RateHistory, RateStep, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW

OK = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
DAY = timedelta(days=1)


def seen(at, points_in, fee_points=0, destination="amazon_gift", value_out=500):
    return ExitSeen(site="hapitas", destination=destination, label=destination, points_in=points_in,
                    value_out=value_out, source_url="https://hapitas.jp/exchange/", seen_at=at,
                    minimum_points=points_in, step_points=points_in, fee_points=fee_points)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, db_path):
    url = db_path if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return Store(open_engine(url))


def crawl(store, at, *items):
    store.finish_run(store.begin_run("hapitas", "hapitas", at), OK, at, list(items))


def test_only_observations_that_change_the_rate_are_steps(store):
    t = [FROZEN_NOW + n * DAY for n in range(6)]
    crawl(store, t[0], seen(t[0], 490), seen(t[0], 100, destination="bank"))
    crawl(store, t[1], seen(t[1], 490))                 # unchanged: no new row
    crawl(store, t[2], seen(t[2], 490, fee_points=10))  # a new row, the same rate
    crawl(store, t[3], seen(t[3], 500, fee_points=10))
    crawl(store, t[4], seen(t[4], 490, fee_points=10))
    crawl(store, t[5], seen(t[5], 980, fee_points=10, value_out=1000))  # new numbers, the same rate
    gift, bank = sorted(rate_history(store.engine).items())
    assert gift[1] == RateHistory(t[0], (RateStep(t[3], 490, 500, 500, 500),
                                         RateStep(t[4], 500, 500, 490, 500)))
    assert bank[1] == RateHistory(t[0], ())


def test_histories_read_the_changes_in_basis_points_since_first_seen(store):
    t = [FROZEN_NOW + n * 30 * DAY for n in range(3)]
    for at, points in zip(t, (490, 500, 490)):
        crawl(store, at, seen(at, points))
    exits = current_exits(store.engine)
    got = histories(exits, rate_history(store.engine), campaigns(store.engine))
    # 500 for 490 → 500 for 500: 2% worse; back again: 500/490 − 1 = +2.0408…%.
    assert got == {("hapitas", "amazon_gift"): History(
        t[0].date(), (), (RateChange(t[1].date(), -200), RateChange(t[2].date(), 204)))}


@pytest.mark.parametrize("old, new, bp", [
    ((490, 500), (500, 500), -200),
    ((500, 500), (490, 500), 204),   # +204.08…: truncated
    ((490, 500), (491, 500), -20),   # −20.37…: toward zero, not −21
    ((100, 1000), (100, 1010), 100),
    ((3, 1), (2, 1), 5000),
])
def test_change_bp_is_the_exact_relative_change_truncated_toward_zero(old, new, bp):
    assert change_bp(RateStep(FROZEN_NOW, *old, *new)) == bp


def test_change_bp_agrees_with_fractions_everywhere_small():
    for old_in in range(1, 13):
        for old_out in range(1, 13):
            for new_in in range(1, 13):
                for new_out in range(1, 13):
                    exact = (Fraction(new_out, new_in) / Fraction(old_out, old_in) - 1) * 10_000
                    step = RateStep(FROZEN_NOW, old_in, old_out, new_in, new_out)
                    assert change_bp(step) == int(exact), step


def test_history_of_some_exits_is_theirs_in_the_whole_history(store):
    t = [FROZEN_NOW + n * DAY for n in range(4)]
    for at, points in zip(t, (490, 500, 490, 480)):
        crawl(store, at, seen(at, points), seen(at, points // 2, destination="bank"))
    everything = rate_history(store.engine)
    for exit_id, history in everything.items():
        assert rate_history(store.engine, [exit_id]) == {exit_id: history}
    assert rate_history(store.engine, []) == {}


# --- the forecast window: recommend reads only the recent part ------------------------------

def test_rate_history_since_keeps_the_changes_from_then_comparing_the_first_with_the_one_before(store):
    t = [FROZEN_NOW + n * 30 * DAY for n in range(4)]
    for at, points in zip(t, (490, 500, 490, 480)):
        crawl(store, at, seen(at, points))
    [(_, got)] = rate_history(store.engine, since=t[2]).items()
    assert got == RateHistory(t[0], (RateStep(t[2], 500, 500, 490, 500), RateStep(t[3], 490, 500, 480, 500)))


def test_campaigns_since_drop_only_those_over_before_it(store):
    from storage.records import CampaignSeen

    window = FROZEN_NOW - 730 * DAY

    def camp(key, starts, ends, seen_at):
        return CampaignSeen(site="hapitas", key=key, destination="amazon_gift", title=key, kind="bonus",
                            bonus_bp=100, source_url="https://hapitas.jp/exchange/", seen_at=seen_at,
                            starts_at=starts, ends_at=ends)

    old = FROZEN_NOW - 1_000 * DAY
    for c in (camp("over", old, old + 10 * DAY, old),
              camp("across", window - 5 * DAY, window + 5 * DAY, window - 5 * DAY),
              camp("open, seen lately", old, None, FROZEN_NOW),
              camp("open, long gone", old, None, old)):
        at = c.seen_at
        store.finish_run(store.begin_run("hapitas", "hapitas", at), OK, at, [], [c])
    assert sorted(c.title for c in campaigns(store.engine, since=window)) == ["across", "open, seen lately"]
    assert len(campaigns(store.engine)) == 4


def test_histories_are_observed_from_the_window_when_seen_longer(store):
    t = [FROZEN_NOW + n * 30 * DAY for n in range(3)]
    for at, points in zip(t, (490, 500, 490)):
        crawl(store, at, seen(at, points))
    exits = current_exits(store.engine)
    window = t[1].date()
    got = histories(exits, rate_history(store.engine, since=t[1]), campaigns(store.engine), since=window)
    assert got == {("hapitas", "amazon_gift"): History(
        window, (), (RateChange(t[1].date(), -200), RateChange(t[2].date(), 204)))}
    later = histories(exits, rate_history(store.engine), campaigns(store.engine), since=t[0].date() - DAY)
    assert later[("hapitas", "amazon_gift")].observed_since == t[0].date()  # first seen after the window
