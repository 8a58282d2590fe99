"""Plan quality over simulated years (issue 5): value captured as % of hindsight.

Each seed is one generated year (`benchmarks.simulator`): the advisor replays
it day by day; the reference is the hindsight optimum (every campaign known
on the first day, the exact planner, or HiGHS's proven lower bound on its
cost when the time limit stops it — never flattering the advisor); the
baseline is "naive", exchanging on the first day everything the year needs
at that day's rates. Value captured = hindsight cost ÷ policy cost.

Years run in parallel, one per core (`QUALITY_SEEDS`, `QUALITY_SEED_FROM`,
`QUALITY_WORKERS`, `QUALITY_HISTORY_YEARS`, `QUALITY_CAPS_BIND` env to change).
Per-year figures are in the notes.

The hindsight optimum (0–120 s a year, against ≤ 15 s for the replay) is
read from benchmarks/hindsight_cache.json when the year's fingerprint is
there (`benchmarks.hindsight_cache`: a sha256 of everything the solve reads,
so a changed generator never meets a stale entry) and solved otherwise; a
figure says how many years came from the cache. `QUALITY_HINDSIGHT_CACHE=off`
solves every year, `=update` also writes the years it solved to the file;
`python -m benchmarks.bench_plan_quality fill` (same env) solves and stores
only the missing hindsight optima, one year at a time, without replaying.

A change to the policy moves single years by half a point either way, so a
mean over a few dozen years says little on its own; the same years before
and after say more. `QUALITY_SAVE=FILE` keeps each year's figures (adding
to what the file holds: run the sets one after another into one file), and
`QUALITY_AGAINST=FILE` scores this run against such a file, year by year:
the mean of the paired differences and its standard error.
benchmarks/quality_baseline.json is such a file for every cached year, as
the policy scored them when it was written (README, Plan quality).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

from benchmarks import Figure
from benchmarks import hindsight_cache as cache
from benchmarks.hindsight_cache import Hindsight

HINDSIGHT_SECONDS = 120
# Seeds QUALITY_SEED_FROM … + QUALITY_SEEDS − 1: the default six are the years
# the policy was studied on; a later start (e.g. 100) gives held-out years.
SEED_FROM = int(os.environ.get("QUALITY_SEED_FROM", "0"))
SEEDS = tuple(range(SEED_FROM, SEED_FROM + int(os.environ.get("QUALITY_SEEDS", "6"))))
# Years of campaign history the advisor learns from (1 by default; many years
# show what knowing the campaigns' true frequencies and sizes is worth).
HISTORY_YEARS = int(os.environ.get("QUALITY_HISTORY_YEARS", "1"))
# Balances over Hapitas' monthly cap left as drawn (its cap binds; slower).
CAPS_BIND = os.environ.get("QUALITY_CAPS_BIND", "0") == "1"


@dataclass(frozen=True)
class YearResult:
    seed: int
    hindsight: Fraction | None  # cost (or proven lower bound); None: not even a bound in time
    hindsight_proven: bool
    hindsight_seconds: float
    naive: Fraction
    advisor: Fraction
    advisor_missed: int  # yen of spend the advisor did not cover in time
    gift_left: int
    replay_seconds: float
    fingerprint: str = ""  # of the year, for the hindsight cache
    hindsight_cached: bool = False  # the hindsight figures were read from the cache
    solved: Hindsight | None = None  # solved in this run (what `update` writes)

    @property
    def scored(self) -> bool:
        """Whether the year counts: its reference is known and the advisor covered every spend."""
        return self.hindsight is not None and not self.advisor_missed

    def pct(self, cost: Fraction) -> Fraction | None:
        return None if self.hindsight is None or not cost else self.hindsight / cost * 100


def hindsight_of(year, use_cache: bool) -> tuple[Hindsight, str, bool]:
    """The year's hindsight figures, its fingerprint, and whether they came from the cache."""
    from benchmarks.simulator import hindsight

    fp = cache.fingerprint(year, HINDSIGHT_SECONDS)
    if use_cache and (best := cache.lookup(fp)) is not None:
        return best, fp, True
    print(f"y{year.seed}: solving the hindsight optimum ({'not in the cache' if use_cache else 'cache off'}, "
          f"up to {HINDSIGHT_SECONDS} s)", file=sys.stderr, flush=True)
    t = time.perf_counter()
    plan = hindsight(year, HINDSIGHT_SECONDS)
    return Hindsight.of(plan, time.perf_counter() - t), fp, False


def run_year(seed: int) -> YearResult:
    from benchmarks.simulator import generate, naive, replay

    year = generate(seed, HISTORY_YEARS, CAPS_BIND)
    best, fp, cached = hindsight_of(year, cache.mode() != "off")
    reference = best.cost_bound if best.shortfall == 0 else None
    base = naive(year)
    t = time.perf_counter()
    adv = replay(year)
    return YearResult(seed, reference, best.proven and best.shortfall == 0, best.seconds, base.cost, adv.cost,
                      adv.missed, adv.gift_left, time.perf_counter() - t, fp, cached, None if cached else best)


def _remember(r: YearResult) -> YearResult:
    if r.solved is not None and cache.mode() == "update":
        cache.store(r.fingerprint, r.solved, {"seed": r.seed, "caps_bind": CAPS_BIND})
    return r


def results(seeds=SEEDS) -> list[YearResult]:
    workers = int(os.environ.get("QUALITY_WORKERS", str(min(2, os.cpu_count() or 1))))
    if workers <= 1:
        return [_remember(run_year(s)) for s in seeds]
    with ProcessPoolExecutor(workers) as pool:  # entries are written by this process only
        return [_remember(r) for r in pool.map(run_year, seeds)]


def fill(seeds=SEEDS) -> None:
    """Solve and store the hindsight optimum of each year not in the cache (no replay)."""
    from benchmarks.simulator import generate

    for seed in seeds:
        best, fp, cached = hindsight_of(generate(seed, 1, CAPS_BIND), True)
        if not cached:
            cache.store(fp, best, {"seed": seed, "caps_bind": CAPS_BIND})
        bound = "none" if best.cost_bound is None else f"{float(best.cost_bound):.2f}"
        print(f"y{seed}: {'cached' if cached else 'stored'}, {best.seconds:.1f} s, "
              f"{'proven' if best.proven else 'bound only'}, bound {bound}, shortfall {best.shortfall}, "
              f"{fp[:12]}", flush=True)


def standard_error(xs: list[Fraction]) -> float | None:
    """Of the mean of `xs`: the sample standard deviation over √n (None below two)."""
    return statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) >= 2 else None


SAVED_FORMAT = 1
BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality_baseline.json")


def run_conditions() -> dict:
    """What a saved year's figures depend on besides its seed and the policy."""
    return {"history_years": HISTORY_YEARS, "caps_bind": CAPS_BIND, "hindsight_seconds": HINDSIGHT_SECONDS}


def load_saved(path: str, var: str = "QUALITY_AGAINST") -> dict[int, Fraction]:
    """seed → advisor's value captured (%), from a file `save_years` wrote;
    SystemExit with one line when it is missing, unreadable, or was taken
    under other conditions (`run_conditions`)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("format") != SAVED_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {SAVED_FORMAT}")
        if data["conditions"] != run_conditions():
            raise ValueError(f"taken with {data['conditions']}, this run has {run_conditions()}")
        return {int(seed): Fraction(pct) for seed, pct in data["years"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ZeroDivisionError) as e:
        raise SystemExit(f"{var}={path}: {e}") from None


def save_years(path: str, rows: list[YearResult]) -> None:
    """Add this run's scored years (advisor's value captured, exact) to `path`."""
    years: dict[str, str] = {}
    if os.path.exists(path):
        years = {str(seed): str(pct) for seed, pct in load_saved(path, "QUALITY_SAVE").items()}
    years.update({str(r.seed): str(r.pct(r.advisor)) for r in rows if r.scored})
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"format": SAVED_FORMAT, "conditions": run_conditions(),
                   "years": dict(sorted(years.items(), key=lambda kv: int(kv[0])))}, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def paired_figure(rows: list[YearResult], saved: dict[int, Fraction], label: str) -> Figure:
    """This run's advisor against a saved run, over the years both scored."""
    now = {r.seed: r.pct(r.advisor) for r in rows if r.scored}
    common = sorted(set(now) & set(saved))
    diffs = [now[seed] - saved[seed] for seed in common]
    if not diffs:
        return Figure("simulated years: advisor − saved run (paired)", float("nan"), "pt",
                      note=f"{label}: no year in common with this run")
    se = standard_error(diffs)
    return Figure(
        "simulated years: advisor − saved run (paired)", float(sum(diffs) / len(diffs)), "pt",
        note=f"{label}: {len(diffs)} years in common"
             + (f", standard error {se:.3f}" if se is not None else "")
             + f"; better in {sum(d > 0 for d in diffs)}, worse in {sum(d < 0 for d in diffs)}; "
             + ", ".join(f"y{seed}: {float(d):+.2f}" for seed, d in zip(common, diffs)))


def figures(rows: list[YearResult]) -> list[Figure]:
    scored = [r for r in rows if r.scored]
    unsolved = sum(r.hindsight is None for r in rows)
    missed = sum(bool(r.advisor_missed) for r in rows)
    per_year = "; ".join(
        f"y{r.seed}: {float(r.pct(r.advisor)):.2f} / {float(r.pct(r.naive)):.2f} % "
        f"(hindsight {r.hindsight_seconds:.0f} s{'' if r.hindsight_proven else ', bound'}"
        f"{', cached' if r.hindsight_cached else ''})"
        if r.hindsight is not None else f"y{r.seed}: hindsight not solved" for r in rows)
    out = []
    if scored:
        adv = [r.pct(r.advisor) for r in scored]
        nai = [r.pct(r.naive) for r in scored]
        mean_adv, mean_nai = sum(adv) / len(adv), sum(nai) / len(nai)
        worst_gap = min(a - n for a, n in zip(adv, nai))
        out += [
            Figure("simulated years: advisor value captured (mean)", float(mean_adv), "%",
                   baseline=float(mean_nai), target="≥ 99 %", ok=mean_adv >= 99,
                   note=f"baseline: naive; advisor / naive per year: {per_year}"),
            Figure("simulated years: advisor value captured (worst year)", float(min(adv)), "%",
                   baseline=float(min(nai)), note="baseline: naive's worst year"),
            Figure("simulated years: advisor − naive, worst year", float(worst_gap), "pt",
                   target="≥ 0", ok=worst_gap >= 0),
        ]
        se = standard_error(adv)
        if se is not None:
            out.append(Figure("simulated years: advisor mean, standard error", se, "pt",
                              note=f"sample standard deviation over √{len(adv)} years: how far the mean "
                                   "itself may be from the policy's long-run average"))
    cached = sum(r.hindsight_cached for r in rows)
    out += [
        Figure("simulated years: hindsight optimum read from the cache", cached, "years", baseline=len(rows),
               note=f"QUALITY_HINDSIGHT_CACHE={cache.mode()}; solved in this run: "
                    f"{', '.join(f'y{r.seed}' for r in rows if not r.hindsight_cached) or 'none'}"),
        Figure("simulated years: years with spend not covered in time", missed, "years",
               target="= 0", ok=missed == 0),
        Figure("simulated years: hindsight optimum not solved in time", unsolved, "years",
               target="= 0", ok=unsolved == 0,
               note=f"{sum(not r.hindsight_proven for r in rows)} scored against a proven lower bound; "
                    f"solve {max(r.hindsight_seconds for r in rows):.0f} s at most (as recorded, when cached), "
                    f"replay {max(r.replay_seconds for r in rows):.0f} s at most"),
    ]
    return out


def run() -> list[Figure]:
    against = os.environ.get("QUALITY_AGAINST")
    saved = load_saved(against) if against else None  # a bad file stops the run before it starts
    if (save := os.environ.get("QUALITY_SAVE")) and os.path.exists(save):
        # read now so a bad file fails before the run; `save_years` reads it
        # again at the end, keeping what another run saved there meanwhile
        load_saved(save, "QUALITY_SAVE")
    elif save and not os.path.isdir(os.path.dirname(os.path.abspath(save))):
        raise SystemExit(f"QUALITY_SAVE={save}: no such directory")
    rows = results()
    out = figures(rows)
    if saved is not None:
        out.append(paired_figure(rows, saved, against))
    if save:
        save_years(save, rows)
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["fill"]:
        sys.exit("usage: python -m benchmarks.bench_plan_quality fill")
    fill()
