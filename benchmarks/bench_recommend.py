"""`pointexit recommend` as a user runs it, against the cost of its imports.

The floor is a process that imports exactly the modules a recommend process
ends up with (every library and stdlib module, none of pointexit's own) and
does nothing else: what remains is our code, the queries and the output.
Measured on a one-month and a five-year history (benchmarks/history.py).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchmarks import Figure
from benchmarks.history import END, build
from benchmarks.measure import interleaved, python, run_child

RUNS = 9
OURS = ("pointexit", "storage", "advisor", "spiders", "templates", "benchmarks")
HEAVY = ("scrapy", "apscheduler", "jinja2", "twisted")


def recommend_args(db: str) -> list[str]:
    return ["-m", "pointexit", "recommend", "--db", db, "--today", END.date().isoformat(),
            "--balance", "hapitas=3210", "--balance", "moppy=5000", "--balance", "gendama=40000",
            "--spend", "2026-12-10:2400", "--spend", "2026-12-24:5000:fashion"]


PROBE = """
import json, runpy, sys
modules_file = sys.argv.pop(1)
sys.argv = ["pointexit", *sys.argv[1:]]
try:
    runpy.run_module("pointexit", run_name="__main__")
except SystemExit:
    pass
with open(modules_file, "w") as f:
    json.dump(list(sys.modules), f)
"""

FLOOR = """
import importlib, json, sys
for name in json.load(open(sys.argv[1])):
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


# The history ends at END: the clock is pinned there, so `--today` is the
# present (a past --today reads the market as of that day, another path).
CLOCK = {"POINTEXIT_NOW": END.isoformat()}


def modules_of_recommend(db: str, tmp: Path) -> list[str]:
    out = tmp / "modules.json"
    run_child(python("-c", PROBE, str(out), *recommend_args(db)[2:]), env=CLOCK)
    return json.loads(out.read_text())


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-recommend-") as tmp:
        tmp = Path(tmp)
        month, years = str(tmp / "month.db"), str(tmp / "years.db")
        small, big = build(month, 30), build(years, 5 * 365)
        loaded = modules_of_recommend(years, tmp)
        library = [m for m in loaded if m.split(".")[0] not in OURS and m != "__main__"]
        (tmp / "floor.json").write_text(json.dumps(library))
        env = {"POINTEXIT_DATA_DIR": str(tmp / "data"), "POINTEXIT_CONFIG_DIR": str(tmp / "config"), **CLOCK}
        floor, one_month, five_years = interleaved(
            RUNS, python("-c", FLOOR, str(tmp / "floor.json")),
            python(*recommend_args(month)), python(*recommend_args(years)), env=env)

    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    wall = f"wall {one_month.wall:.2f}/{five_years.wall:.2f}/{floor.wall:.2f} s (1m/5y/floor)"
    return [
        Figure("recommend, 1-month db: CPU over import floor", one_month.cpu, "s", floor.cpu,
               "≤ 1.3×", one_month.cpu <= 1.3 * floor.cpu,
               f"{small['runs']:,} runs, {small['observations']:,} observations"),
        Figure("recommend, 5-year db: CPU over import floor", five_years.cpu, "s", floor.cpu,
               "≤ 1.3×", five_years.cpu <= 1.3 * floor.cpu,
               f"{big['runs']:,} runs, {big['observations']:,} observations"),
        Figure("recommend, 5-year over 1-month db (CPU)", five_years.cpu, "s", one_month.cpu,
               "≤ 1.1×", five_years.cpu <= 1.1 * one_month.cpu, wall),
        Figure("recommend: modules imported (floor: same minus ours)", len(loaded), "mods",
               len(library), None, None, f"best of {RUNS}, interleaved"),
        Figure("recommend: scrapy/apscheduler/jinja2/twisted imported", len(heavy), "mods",
               None, "= 0", not heavy, ", ".join(heavy)),
    ]
