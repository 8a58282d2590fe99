"""The hindsight optimum of a generated year, cached (benchmarks/hindsight_cache.json).

`hindsight(year, HINDSIGHT_SECONDS)` is an exact integer program (0–120 s a
year) and depends only on the year, not on the advisor: the plan-quality
benchmark looks it up here by a fingerprint of the year instead of solving.

The fingerprint is a sha256 over a canonical JSON serialisation of exactly
what `hindsight` gives the planner (`simulator.hindsight_inputs`: exits with
their caps, balances, spends, start day, campaigns as they really ran), the
business days of the calendar over the span it covers (so a jpholiday update
changes it too) and the solver's time limit. Any change to the generator that
changes a year changes its fingerprint, so a stale entry is never used; the
year's history is not in it (hindsight does not read it), so the entries
serve every `QUALITY_HISTORY_YEARS`. Not in it either: the planner's own
code — a change to the exchange model the planner solves (not to how fast it
solves it) needs the entries refreshed (`QUALITY_HINDSIGHT_CACHE=off` to
check, then delete and `update`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

PATH = Path(__file__).with_name("hindsight_cache.json")
FORMAT = 1  # of the serialisation: bump it when _canon changes


@dataclass(frozen=True)
class Hindsight:
    """What the benchmark uses of a hindsight plan."""

    cost: Fraction
    cost_bound: Fraction | None  # proven lower bound (= cost when proven); None: none in time
    proven: bool
    shortfall: int
    seconds: float  # how long the solve took when it was computed

    @classmethod
    def of(cls, plan, seconds: float) -> Hindsight:
        return cls(plan.cost, plan.cost_bound, plan.proven, plan.shortfall, round(seconds, 1))

    def to_json(self) -> dict:
        return {"cost": _fraction(self.cost),
                "cost_bound": None if self.cost_bound is None else _fraction(self.cost_bound),
                "proven": self.proven, "shortfall": self.shortfall, "seconds": self.seconds}

    @classmethod
    def from_json(cls, d: dict) -> Hindsight:
        bound = d["cost_bound"]
        return cls(Fraction(d["cost"]), None if bound is None else Fraction(bound), bool(d["proven"]),
                   int(d["shortfall"]), float(d["seconds"]))


def _fraction(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}"


def _canon(x):
    """A JSON value that depends only on the value of x (never on ids, hash() or dict order)."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        # the declared fields only: cached properties in the instance dict are left out
        return {"@": type(x).__name__, **{f.name: _canon(getattr(x, f.name)) for f in dataclasses.fields(x)}}
    if isinstance(x, Fraction):
        return {"@": "Fraction", "v": _fraction(x)}
    if isinstance(x, (date, datetime)):  # datetime is a date
        return {"@": type(x).__name__, "v": x.isoformat()}
    if isinstance(x, dict):
        return {"@": "dict", "v": sorted(([_canon(k), _canon(v)] for k, v in x.items()), key=_dumps)}
    if isinstance(x, (set, frozenset)):
        return {"@": "set", "v": sorted((_canon(v) for v in x), key=_dumps)}
    if isinstance(x, (list, tuple)):
        return [_canon(v) for v in x]
    if x is None or isinstance(x, (bool, int, str)):
        return x
    raise TypeError(f"no canonical form for {type(x).__name__}")


def _dumps(x) -> str:
    return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _closed_days(inputs: dict) -> list[list[str]]:
    """The days the calendar closes from the start to the last spend (Saturdays
    open or not): what the planner's lags read of jpholiday and the year-end break."""
    cal, first = inputs["calendar"], inputs["today"]
    last = max((s.on for s in inputs["spends"]), default=first)
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    return [[d.isoformat() for d in days if not cal.is_business_day(d, sat)] for sat in (False, True)]


def fingerprint(year, seconds: float | None) -> str:
    from benchmarks.simulator import hindsight_inputs

    inputs = hindsight_inputs(year)
    doc = {"format": FORMAT, "time_limit": None if seconds is None else float(seconds), "inputs": _canon(inputs), "closed": _closed_days(inputs)}
    return hashlib.sha256(_dumps(doc).encode()).hexdigest()


def mode() -> str:
    """QUALITY_HINDSIGHT_CACHE: "on" (default: use entries, solve the rest),
    "off" (solve every year), "update" (use entries, solve the rest, write them)."""
    m = os.environ.get("QUALITY_HINDSIGHT_CACHE", "on")
    if m not in ("on", "off", "update"):
        raise ValueError(f"QUALITY_HINDSIGHT_CACHE={m!r}: expected on, off or update")
    return m


def load(path: Path | None = None) -> dict[str, dict]:
    try:
        with open(path or PATH, encoding="utf-8") as f:
            return json.load(f)["entries"]
    except FileNotFoundError:
        return {}


def lookup(fp: str, path: Path | None = None) -> Hindsight | None:
    entry = load(path).get(fp)
    return None if entry is None else Hindsight.from_json(entry)


def store(fp: str, result: Hindsight, about: dict, path: Path | None = None) -> None:
    """Add (or replace) one entry; `about` (seed, caps_bind) is for readers, never matched."""
    path = path or PATH
    entries = load(path)
    entries[fp] = {**about, **result.to_json()}
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, "entries": dict(sorted(entries.items(), key=lambda kv: (
            kv[1].get("caps_bind", False), kv[1].get("seed", 0), kv[0])))}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
