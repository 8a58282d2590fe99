"""`kill -9` of a crawl, then the next crawl: the database stays consistent,
nothing is duplicated or lost, and the interrupted run is marked failed.

The kill lands (1) while the spider waits for a page the local server holds
back, (2) inside the store's write transaction, just before its commit, and
(3) at random moments of whole crawls (the seed is in the test id).
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import Session, select

from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import integrity_ok, open_engine
from storage.models import CampaignObservation, CrawlRun, ExitObservation, RoutingOfferObservation
from tests.conftest import ROOT, change_recorded_page, crawl_subprocess

PAGE = "hapitas/exchange/index.html"
SEED = int(os.environ.get("POINTEXIT_CRASH_SEED", random.randrange(10_000)))


def start_crawl(db: str, mirror: str) -> subprocess.Popen:
    args = {"spiders": ["hapitas"], "db": db, "mirror": mirror,
            "settings": {"LOG_LEVEL": "WARNING"}}
    return subprocess.Popen([sys.executable, "-m", "pointexit.crawling", json.dumps(args)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill9(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def set_rate(overlay, points_in: int) -> None:
    """The overlay's Hapitas page, with the Amazon rate changed (or not)."""
    change_recorded_page(overlay, PAGE, "490pt → 500円分", f"{points_in}pt → 500円分")


# Observation tables and the column naming what each row observes.
OBSERVATIONS = ((ExitObservation, "exit_id"), (CampaignObservation, "campaign_id"),
                (RoutingOfferObservation, "offer_id"))
_PROVENANCE = {"id", "run_id", "first_seen", "last_seen", "source_url"}


def snapshot(db: str) -> dict:
    engine = open_engine(db, create=False)
    with Session(engine) as s:
        obs = {(model.__tablename__, o.id): {**o.model_dump(), "thing": (model.__tablename__, getattr(o, key))}
               for model, key in OBSERVATIONS
               for o in s.exec(select(model).order_by(model.id))}
        runs = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        state = {"ok": integrity_ok(engine), "obs": obs, "runs": {r.id: r.model_dump() for r in runs}}
    engine.dispose()
    return state


def assert_consistent(state: dict) -> None:
    assert state["ok"], "integrity check failed"
    history: dict[tuple, list[dict]] = {}
    for o in state["obs"].values():
        history.setdefault(o["thing"], []).append(
            {k: v for k, v in o.items() if k not in _PROVENANCE})
    for values in history.values():
        assert all(a != b for a, b in zip(values, values[1:])), "duplicated observation"
    for run in state["runs"].values():
        written = sum(o["run_id"] == run["id"] for o in state["obs"].values())
        if run["verdict"] == "ok":
            assert written == run["new_observations"], run
        else:
            assert written == 0, f"a {run['verdict']} run left observations behind: {run}"


def assert_kept(before: dict, after: dict) -> None:
    """Every earlier observation is still there with its values; only the
    newest may have moved its last_seen forward."""
    for oid, old in before["obs"].items():
        new = after["obs"].get(oid)
        assert new is not None, f"observation {oid} was lost"
        assert {k: v for k, v in new.items() if k not in ("last_seen", "source_url")} == \
               {k: v for k, v in old.items() if k not in ("last_seen", "source_url")}
        assert new["last_seen"] >= old["last_seen"]


@pytest.fixture
def site(tmp_path, db_path):
    """A database holding one good crawl, and a server whose Hapitas page
    can be held back and changed."""
    overlay, hold = tmp_path / "overlay", {"on": False, "arrived": threading.Event(),
                                           "release": threading.Event()}
    overlay.mkdir()

    def held(handler):
        if not hold["on"]:
            return False  # serve the page normally
        hold["arrived"].set()
        hold["release"].wait(30)
        return True  # the client is gone: answer nothing

    server = RecordedServer(roots=[overlay, RECORDED], faults={"/hapitas/exchange/": held}).start()
    first = crawl_subprocess(["hapitas"], db_path, mirror=server.root_url)["hapitas"]
    assert first["verdict"] == "ok" and first["new_observations"] == first["items"] > 0
    yield db_path, server, overlay, hold
    hold["release"].set()
    server.stop()


def test_killed_while_fetching(site):
    db, server, overlay, hold = site
    before = snapshot(db)
    set_rate(overlay, 480)
    hold["on"] = True
    proc = start_crawl(db, server.root_url)
    assert hold["arrived"].wait(60), "the crawl never asked for the page"
    kill9(proc)
    hold["on"] = False
    hold["release"].set()

    killed = snapshot(db)
    assert_consistent(killed)
    assert killed["obs"] == before["obs"]  # nothing of the half-done run reached the data
    [interrupted] = [r for r in killed["runs"].values() if r["id"] not in before["runs"]]
    assert interrupted["verdict"] == "running" and interrupted["pid"] == proc.pid

    report = crawl_subprocess(["hapitas"], db, mirror=server.root_url)["hapitas"]
    assert (report["verdict"], report["new_observations"]) == ("ok", 1)  # 490 → 480
    after = snapshot(db)
    assert_consistent(after)
    assert_kept(before, after)
    marked = after["runs"][interrupted["id"]]
    assert marked["verdict"] == "failed" and "interrupted" in marked["reason"]


KILL_IN_COMMIT = r"""
import sys, time
from sqlmodel import Session
from storage.engine import open_engine
from storage.records import ExitSeen, RunOutcome
from storage.store import Store
from pointexit.clock import now_jst

store = Store(open_engine(sys.argv[1]))
run = store.begin_run("hapitas", "hapitas", now_jst())

def commit_after_a_long_pause(self):
    self.flush()  # every row of the run is written inside the open transaction...
    print("FLUSHED", flush=True)
    time.sleep(60)  # ...and the kill lands before COMMIT

Session.commit = commit_after_a_long_pause
now = now_jst()
exits = [ExitSeen(site="hapitas", destination=d, label=d, points_in=p, value_out=500,
                  source_url="http://127.0.0.1/hapitas/exchange/", seen_at=now)
         for d, p in (("amazon_gift", 470), ("paypay", 470), ("bank", 470), ("waon", 470))]
store.finish_run(run, RunOutcome("ok", None, 4, 4, 0, 0, 10_000), now, exits)
"""


def test_killed_inside_the_write_transaction(site):
    db, server, _, _ = site
    before = snapshot(db)
    proc = subprocess.Popen([sys.executable, "-c", KILL_IN_COMMIT, db], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "FLUSHED", proc.stderr.read()
    kill9(proc)

    killed = snapshot(db)
    assert_consistent(killed)
    assert killed["obs"] == before["obs"]
    report = crawl_subprocess(["hapitas"], db, mirror=server.root_url)["hapitas"]
    assert (report["verdict"], report["new_observations"]) == ("ok", 0)
    after = snapshot(db)
    assert_consistent(after)
    assert_kept(before, after)
    assert [r["verdict"] for r in after["runs"].values()] == ["ok", "failed", "ok"]


@pytest.mark.parametrize("seed", [SEED])
def test_killed_at_random_moments(site, seed):
    db, server, overlay, _ = site
    rng = random.Random(seed)
    before = snapshot(db)
    for round_ in range(3):
        set_rate(overlay, 480 if round_ % 2 == 0 else 490)  # every finished crawl changes a value
        proc = start_crawl(db, server.root_url)
        time.sleep(rng.uniform(0.2, 3.0))  # from interpreter start to after the commit
        kill9(proc)
        now = snapshot(db)
        assert_consistent(now)
        assert_kept(before, now)
        before = now
    report = crawl_subprocess(["hapitas"], db, mirror=server.root_url)["hapitas"]
    assert report["verdict"] == "ok"
    after = snapshot(db)
    assert_consistent(after)
    assert_kept(before, after)
    verdicts = [r["verdict"] for r in after["runs"].values()]
    assert "running" not in verdicts and verdicts[-1] == "ok"
