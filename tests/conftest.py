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


def crawl_subprocess(spiders, db, *, mirror=None, base_urls=None, settings=None,
                     cookie_files=None, env=None, timeout=120):
    args = {"spiders": spiders, "db": db, "mirror": mirror, "base_urls": base_urls,
            "settings": {"LOG_LEVEL": "WARNING", **(settings or {})},
            "cookie_files": cookie_files}
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
