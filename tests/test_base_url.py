"""`--base-url` (and the base URLs behind `--mirror`): what a crawl accepts."""

import socket

import pytest
from sqlmodel import Session, select

from pointexit.recorded import RecordedServer
from storage.engine import open_engine
from storage.models import CrawlRun, ExitObservation, ExitRow


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("host", [
    "127.0.0.1",
    pytest.param("::1", marks=pytest.mark.skipif(
        not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")),
])
def test_base_url_crawls_over_ipv4_and_ipv6(host, db_path, run_crawl):
    # Scrapy's default resolver (CachingThreadedResolver) is IPv4-only: a base
    # URL such as http://[::1]:PORT/hapitas failed with "cannot resolve host".
    server = RecordedServer(host=host).start()
    try:
        base = server.base_url("hapitas")
        report = run_crawl(["hapitas"], db_path, base_urls={"hapitas": base})["hapitas"]
        served = server.requests_for("/hapitas/exchange/")
    finally:
        server.stop()

    assert base.startswith("http://[::1]:" if host == "::1" else "http://127.0.0.1:")
    # 8 exits and the Amazon 2% campaign.
    assert (report["verdict"], report["items"], report["new_observations"]) == ("ok", 9, 9)
    assert len(served) == 1
    with Session(open_engine(db_path, create=False)) as s:
        amazon = s.exec(select(ExitRow).where(ExitRow.site == "hapitas",
                                              ExitRow.destination == "amazon_gift")).one()
        [obs] = s.exec(select(ExitObservation).where(ExitObservation.exit_id == amazon.id)).all()
        assert (obs.points_in, obs.value_out) == (490, 500)
        assert (obs.minimum_points, obs.step_points, obs.fee_points) == (490, 490, 0)
        assert (obs.lag_min_days, obs.lag_max_days) == (1, 3)
        assert obs.source_url == f"{base}/exchange/"
        [run] = s.exec(select(CrawlRun)).all()
        assert (run.spider, run.verdict, run.new_observations) == ("hapitas", "ok", 9)
        assert len(s.exec(select(ExitObservation)).all()) == 8


def _db_with_one_run(path) -> bytes:
    from pointexit.clock import now_jst

    engine = open_engine(str(path))
    with Session(engine) as s:
        s.add(CrawlRun(spider="hapitas", site="hapitas", started_at=now_jst(), verdict="ok"))
        s.commit()
    engine.dispose()
    return path.read_bytes()


def _runs(path) -> list[tuple[str, str]]:
    engine = open_engine(str(path), create=False)
    with Session(engine) as s:
        runs = [(r.spider, r.verdict) for r in s.exec(select(CrawlRun).order_by(CrawlRun.id))]
    engine.dispose()
    return runs


def _one_line_usage_error(proc, *needles):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:99999/",  # above 65535
    "http://127.0.0.1:abc/",  # not a number
    "http://127.0.0.1:0/",  # no server listens on port 0
    "http://127.0.0.1:/",  # an empty port: urlsplit takes it for none given
    "http://[::1]:/hapitas",
    "http://[::1]:65536/hapitas",
])
def test_a_bad_port_in_base_url_is_a_usage_error_and_writes_nothing(cli, tmp_path, url):
    # It used to be accepted: the crawl ran, failed to connect and recorded a
    # failed run (exit 1) instead of telling the user about the typo.
    db = tmp_path / "p.db"
    before = _db_with_one_run(db)
    proc = cli("crawl", "hapitas", "--base-url", url, "--db", str(db))
    _one_line_usage_error(proc, "--base-url", f"bad base URL {url!r}",
                          "port must be a number from 1 to 65535")
    assert _runs(db) == [("hapitas", "ok")]
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db"]  # no -wal/-journal left either


def test_a_malformed_ipv6_base_url_is_a_usage_error_not_an_internal_error(cli, tmp_path):
    # urlsplit raises ValueError("Invalid IPv6 URL"): it escaped as "internal error", exit 1.
    proc = cli("crawl", "hapitas", "--base-url", "http://[::1:8000/", "--db", str(tmp_path / "p.db"))
    _one_line_usage_error(proc, "--base-url", "expected http(s)://host[:port][/path]")
    assert not (tmp_path / "p.db").exists()


def test_a_bad_port_in_mirror_is_a_usage_error_before_any_database(cli, tmp_path):
    db = tmp_path / "p.db"
    proc = cli("crawl", "hapitas", "--mirror", "http://127.0.0.1:99999", "--db", str(db))
    _one_line_usage_error(proc, "--mirror", "port must be a number from 1 to 65535")
    assert not db.exists()

    proc = cli("schedule", "hapitas", "--runs", "1", "--mirror", "http://127.0.0.1:abc",
               "--db", str(db), "--out", str(tmp_path / "out"))
    _one_line_usage_error(proc, "--mirror", "port must be a number from 1 to 65535")
    assert not db.exists() and not (tmp_path / "out").exists()

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(
        '[schedule]\nmirror = "http://127.0.0.1:99999"\n', encoding="utf-8")
    proc = cli("schedule", "hapitas", "--runs", "1", "--db", str(db), "--out", str(tmp_path / "out"))
    _one_line_usage_error(proc, "[schedule] mirror", "port must be a number from 1 to 65535")
    assert not db.exists() and not (tmp_path / "out").exists()


def test_an_empty_port_in_mirror_is_a_usage_error_before_any_database(cli, tmp_path):
    # 「http://127.0.0.1:/」 was taken for the scheme's port 80: the crawl ran,
    # failed to connect and recorded failed runs.
    db = tmp_path / "p.db"
    proc = cli("crawl", "hapitas", "--mirror", "http://127.0.0.1:/", "--db", str(db))
    _one_line_usage_error(proc, "--mirror: bad base URL 'http://127.0.0.1:/': "
                                "the port must be a number from 1 to 65535")
    assert not db.exists()


# --- the plain Scrapy CLI: `scrapy crawl SPIDER -a base_url=...` ---


@pytest.mark.parametrize("url, problem", [
    ("http://127.0.0.1:99999", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:abc/hapitas", "the port must be a number from 1 to 65535"),
    ("http://[::1/", "expected http(s)://host[:port][/path]"),
    ("ftp://127.0.0.1/hapitas", "expected http(s)://host[:port][/path]"),
])
def test_scrapy_crawl_refuses_a_bad_base_url_in_one_line(tmp_path, url, problem):
    # It used to be accepted: the crawl started, every request failed on the URL
    # and a failed run was recorded, exit status 0.
    import subprocess
    import sys

    from tests.conftest import ROOT

    db = tmp_path / "s.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "hapitas", "-a", f"base_url={url}",
         "-s", f"POINTEXIT_DB={db}"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"scrapy crawl: error: -a base_url: bad base URL {url!r}: {problem}\n"
    assert not db.exists()


def test_the_spider_itself_refuses_a_bad_base_url():
    # Scrapyd and other hosts construct the spider without the crawl command.
    from pointexit.crawling import CrawlUsageError
    from spiders.sites.hapitas import HapitasSpider
    from spiders.sites.moppy_shopping import MoppyShoppingSpider

    with pytest.raises(CrawlUsageError) as bad:
        HapitasSpider(base_url="http://127.0.0.1:99999")
    assert str(bad.value) == ("-a base_url: bad base URL 'http://127.0.0.1:99999': "
                              "the port must be a number from 1 to 65535")
    with pytest.raises(CrawlUsageError, match="expected http"):
        MoppyShoppingSpider(base_url="http://[::1/")

    good = HapitasSpider(base_url="http://[::1]:8000/hapitas/")
    assert (good.base_url, good.allowed_domains) == ("http://[::1]:8000/hapitas", ["::1"])
    real = HapitasSpider()
    assert (real.base_url, real.allowed_domains) == ("https://hapitas.jp", ["hapitas.jp"])
