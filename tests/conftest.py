"""Shared fixtures.

- `parse_page(spider_name, path)`: a recorded page parsed once, without the
  engine, through the same normalize and validate steps as a real crawl.
- `recorded_server`: the bundled pages on 127.0.0.1 (real HTTP).
- `run_crawl(...)`: a crawl through the real Scrapy engine, in a subprocess
  (the Twisted reactor cannot restart inside one pytest process).
- `cli(...)`: the installed `pointexit` command in a subprocess.
- `FROZEN_NOW`: the time every parsed item is seen at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pointexit.clock import JST
from pointexit.recorded import RECORDED, RecordedServer

FROZEN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"


def _spider(name: str, base_url: str):
    from pointexit.crawling import spider_classes

    spider = spider_classes()[name](base_url=base_url)
    spider.now = lambda: FROZEN_NOW
    return spider


def response_for(path: Path, url: str):
    from scrapy.http import HtmlResponse, Request

    return HtmlResponse(url=url, body=path.read_bytes(), request=Request(url))


def parse_file(spider_name: str, file: Path, url: str) -> list[dict]:
    """Items a spider yields for one saved page, normalized and validated."""
    from spiders.pipelines import NormalizePipeline, problems_of

    parts = urlsplit(url)
    spider = _spider(spider_name, f"{parts.scheme}://{parts.netloc}")
    normalize = NormalizePipeline()
    items = []
    for item in spider.parse(response_for(file, url)):
        item = normalize.process_item(item)
        item["problems"] = problems_of(item)
        items.append(dict(item))
    return items


@pytest.fixture(scope="session")
def parse_page():
    """parse_page("hapitas", "/exchange/") → items from spiders/recorded/hapitas/exchange/."""
    cache: dict = {}

    def parse(spider_name: str, path: str, site: str | None = None) -> list[dict]:
        from pointexit.crawling import spider_classes

        site = site or spider_classes()[spider_name].site
        key = (spider_name, path)
        if key not in cache:
            rel = path.lstrip("/")
            file = RECORDED / site / (rel + "index.html" if rel.endswith("/") or not rel else rel)
            base = site_info_base(site)
            cache[key] = parse_file(spider_name, file, base + path)
        return cache[key]

    return parse


def site_info_base(site: str) -> str:
    from pointexit.catalog import SITES

    return SITES[site].base_url


@pytest.fixture
def recorded_server():
    server = RecordedServer().start()
    yield server
    server.stop()


@pytest.fixture
def db_path(tmp_path) -> str:
    return str(tmp_path / "pointexit.db")


class HeldPage:
    """A RecordedServer fault: while `on`, a request for the page waits (setting
    `requested`) until `release` is set, then the recorded page is served."""

    def __init__(self, on: bool = True):
        self.on = on
        self.requested = threading.Event()
        self.release = threading.Event()

    def __call__(self, handler) -> bool:
        if self.on:
            self.requested.set()
            self.release.wait(30)
        return False  # not handled: serve the page


def crawl_subprocess(spiders, db, *, mirror=None, base_urls=None, settings=None,
                     cookie_files=None, env=None, timeout=120, point_values=None):
    args = {"spiders": spiders, "db": db, "mirror": mirror, "base_urls": base_urls,
            "settings": {"LOG_LEVEL": "WARNING", **(settings or {})},
            "cookie_files": cookie_files, "point_values": point_values or {}}
    proc = subprocess.run([sys.executable, "-m", "pointexit.crawling", json.dumps(args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["spider"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}


@pytest.fixture
def run_crawl():
    return crawl_subprocess


def run_cli(*args, env=None, timeout=120, input=None):
    full_env = {**os.environ, **(env or {})}
    full_env.pop("POINTEXIT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "pointexit", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=ROOT, input=input)


@pytest.fixture
def cli(tmp_path):
    """Run `pointexit` with data and config dirs inside tmp_path."""
    base_env = {"POINTEXIT_DATA_DIR": str(tmp_path / "data"),
                "POINTEXIT_CONFIG_DIR": str(tmp_path / "config")}

    def call(*args, env=None, **kw):
        return run_cli(*args, env={**base_env, **(env or {})}, **kw)

    return call


# --- PostgreSQL: a throwaway cluster on 127.0.0.1 for the whole session ------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bindir() -> Path | None:
    import shutil

    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_server():
    """`(host, port, user)` of a PostgreSQL server started for this session.

    Skips (with the reason) where PostgreSQL or psycopg is not installed.
    initdb refuses to run as root, so as root the cluster belongs to the
    `postgres` user the Debian package creates.
    """
    import pwd
    import shutil
    import tempfile

    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian: apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[postgres]')")
    as_user: list[str] = []
    # In memory where there is a tmpfs: every test's CREATE DATABASE copies a
    # template, and on a busy disk that (and deleting it all) costs seconds.
    shm = Path("/dev/shm")
    tmp = Path(tempfile.mkdtemp(prefix="pointexit-pg-",
                                dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(tmp)
            pytest.skip("running as root and there is no `postgres` user to own the test cluster")
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = tmp / "data", free_port()

    def pg(*args):
        return subprocess.run([*as_user, *map(str, args)], capture_output=True, text=True, timeout=60)

    init = pg(bindir / "initdb", "-D", data, "-U", "pointexit", "-A", "trust", "--no-sync",
              "-E", "UTF8", "--locale=C")
    started = init.returncode == 0 and pg(
        bindir / "pg_ctl", "-D", data, "-l", tmp / "server.log", "-w", "-t", "30", "-o",
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off", "start").returncode == 0
    if not started:
        log = (tmp / "server.log").read_text() if (tmp / "server.log").exists() else init.stderr
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"could not start the test PostgreSQL server: {log[-2000:]}")
    try:
        yield "127.0.0.1", port, "pointexit"
    finally:
        pg(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server, request):
    """A fresh, empty database on the session's server, as a pointexit --db URL."""
    import re

    import psycopg

    host, port, user = postgres_server
    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + f"_{os.getpid()}"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def change_recorded_page(overlay: Path, page: str, old: str, new: str) -> Path:
    """Put into `overlay` (a root stacked before RECORDED) the recorded `page`
    (e.g. "hapitas/exchange/index.html") with `old` replaced by `new`."""
    text = (RECORDED / page).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not on {page}"
    target = overlay / page
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return overlay
