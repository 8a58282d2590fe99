"""The benchmarks' generated history is a database the tool reads as it is.

`benchmarks/history.py` writes rows straight into the tables (fast, no
crawl), so a schema change that adds a required column breaks it without any
other test noticing — schema v5 did (campaign_observation.destination), and
`python -m benchmarks recommend` failed with a NOT NULL error.
"""

from __future__ import annotations

import json

from benchmarks.bench_recommend import CLOCK, recommend_args
from benchmarks.history import build


def test_a_generated_history_is_read_by_storage_and_recommend(tmp_path, cli):
    from storage.engine import open_engine
    from storage.queries import campaigns, current_exits

    db = tmp_path / "history.db"
    counts = build(db, 40)
    engine = open_engine(db)
    try:
        exits, camps = current_exits(engine), campaigns(engine)
    finally:
        engine.dispose()
    assert (len(exits), len(camps)) == (counts["exits"], counts["campaigns"]) == (96, 14)
    assert {c.destination for c in camps} == {"amazon_gift"}
    # the benchmark's own command, on its pinned clock: the history's end is today
    proc = cli(*recommend_args(str(db))[2:], "--json", env=CLOCK)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["today"] == "2026-11-23" and plan["steps"]
    assert not any(w.startswith("交換先のデータがありません") for w in plan["warnings"])
