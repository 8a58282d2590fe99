"""The spiders on a Scrapyd server: a real `scrapyd` on 127.0.0.1, the egg
built and uploaded by `scrapyd-deploy` from scrapy.cfg, one job scheduled
against the recorded pages, its results read back from the database."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.engine import integrity_ok, open_engine
from storage.models import CrawlRun, ExitObservation
from tests.conftest import ROOT, free_port

BIN = Path(sys.executable).parent


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    if not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists():
        pytest.skip("scrapyd / scrapyd-client not installed (pip install -e '.[scrapyd]')")
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\nmax_proc = 1\npoll_interval = 0.2\n")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL,
                            stderr=open(home / "scrapyd.err", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("scrapyd did not start: " + (home / "scrapyd.err").read_text()[-2000:])
        yield base, home
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def deployed(scrapyd, tmp_path_factory):
    """`scrapyd-deploy test` from the repository root, the target given in a
    user-level scrapy.cfg as a user would add their own server."""
    base, _ = scrapyd
    config = tmp_path_factory.mktemp("xdg")
    (config / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {base}/\nproject = pointexit\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    proc = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", "r1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setup.py's leftovers
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"status": "ok"' in proc.stdout, proc.stdout + proc.stderr
    return base


def test_the_deployed_egg_lists_the_spiders(deployed):
    spiders = api(deployed, "listspiders.json?project=pointexit")
    assert spiders["status"] == "ok" and "hapitas" in spiders["spiders"]
    assert api(deployed, "listversions.json?project=pointexit")["versions"] == ["r1"]


def test_a_scheduled_job_writes_to_the_configured_database(deployed, scrapyd, recorded_server,
                                                             tmp_path):
    db = tmp_path / "scrapyd.db"
    job = api(deployed, "schedule.json", [
        ("project", "pointexit"), ("spider", "hapitas"),
        ("base_url", recorded_server.base_url("hapitas")),
        ("setting", f"POINTEXIT_DB={db}"),
        ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
    ])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        finished = api(deployed, "listjobs.json?project=pointexit")["finished"]
        if any(j["id"] == job["jobid"] for j in finished):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the Scrapyd job did not finish in 60 s")

    _, home = scrapyd
    log = (home / "logs" / "pointexit" / "hapitas" / f"{job['jobid']}.log").read_text()
    assert "'pointexit/verdict': 'ok'" in log, log[-3000:]
    engine = open_engine(db, create=False)
    with Session(engine) as s:
        [run] = s.exec(select(CrawlRun)).all()
        assert (run.verdict, run.items, run.new_observations) == ("ok", 9, 9)  # 8 exits, 1 campaign
        observations = s.exec(select(ExitObservation)).all()
        assert len(observations) == 8
        assert all(o.source_url.startswith(recorded_server.base_url("hapitas")) for o in observations)
    assert integrity_ok(engine)
