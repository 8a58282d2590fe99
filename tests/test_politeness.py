"""Polite by default: robots.txt, an identifying User-Agent, a delay, retries
for 5xx and timeouts; only our own loopback server is crawled at full speed."""

import pytest

from pointexit.crawling import is_local, local_overrides, project_settings


@pytest.fixture(scope="module")
def settings():
    return project_settings()


def test_robots_txt_is_obeyed(settings):
    assert settings.getbool("ROBOTSTXT_OBEY") is True


def test_user_agent_names_the_project_and_a_url(settings):
    agent = settings.get("USER_AGENT")
    assert agent.startswith("pointexit/")
    assert "+https://github.com/pointexit/pointexit" in agent


def test_one_request_at_a_time_with_a_delay_and_autothrottle(settings):
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getint("CONCURRENT_REQUESTS") == 1  # nothing queued to send after a 429
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") >= settings.getfloat("DOWNLOAD_DELAY")
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 1


def test_5xx_and_timeouts_are_retried_but_429_is_not(settings):
    assert settings.getbool("RETRY_ENABLED") and settings.getint("RETRY_TIMES") >= 1
    codes = settings.getlist("RETRY_HTTP_CODES")
    assert {500, 502, 503, 504} <= {int(c) for c in codes}
    assert 429 not in {int(c) for c in codes}  # 429 aborts the run instead
    assert any("Timeout" in str(e) for e in settings.getlist("RETRY_EXCEPTIONS"))
    assert 1 <= settings.getfloat("DOWNLOAD_TIMEOUT") <= 60


def test_the_429_and_cookie_middlewares_are_in_place(settings):
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    # 429 must be seen before RetryMiddleware (550) could retry it.
    assert middlewares["spiders.middlewares.AbortOn429Middleware"] > 550
    # Session cookies after Scrapy's CookiesMiddleware (700), which would log them.
    assert middlewares["spiders.middlewares.SessionCookiesMiddleware"] > 700


@pytest.mark.parametrize("url, local", [
    ("http://127.0.0.1:8000/hapitas", True),
    ("http://127.1.2.3/", True),
    ("http://localhost:8000/", True),
    ("http://[::1]:8000/", True),
    ("https://hapitas.jp", False),
    ("http://127.0.0.1.nip.io/", False),  # a name that merely starts like loopback
    ("http://127.example.com/", False),
    ("http://localhost.example.com/", False),
    ("http://10.0.0.5/", False),  # a LAN server is somebody's real server
    ("http://0.0.0.0/", False),
])
def test_is_local_means_loopback(url, local):
    assert is_local(url) is local


@pytest.mark.parametrize("urls, overrides", [
    (["http://127.0.0.1:8000/hapitas", "http://127.0.0.1:8000/moppy"],
     {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}),
    (["http://127.0.0.1:8000/hapitas", "https://pc.moppy.jp"], {}),  # one real site: polite
    (["http://127.0.0.1:8000/hapitas", None], {}),  # None: a spider on its real site
    ([None], {}),
    ([], {}),
])
def test_the_local_shortcut_applies_only_when_every_url_is_loopback(urls, overrides):
    assert local_overrides(urls) == overrides


def test_the_real_engine_asks_robots_txt_first_and_identifies_itself(recorded_server, db_path,
                                                                     run_crawl, settings):
    report = run_crawl(["hapitas"], db_path, mirror=recorded_server.root_url)["hapitas"]
    assert report["verdict"] == "ok"
    requests = recorded_server.requests
    assert [r.path for r in requests] == ["/robots.txt", "/hapitas/exchange/"]
    assert {r.headers["User-Agent"] for r in requests} == {settings.get("USER_AGENT")}


# --- Retry-After on a retried answer (a 503 in maintenance) ---


@pytest.mark.parametrize("value, seconds", [
    (b"1", 1.0), ("120", 120.0), (b" 0 ", 0.0),
    (b"Wed, 25 Nov 2026 00:00:30 GMT", 30.0),  # an HTTP date: the time until it
    (b"Wed, 25 Nov 2026 00:00:00 GMT", 0.0),
    (b"Tue, 24 Nov 2026 23:00:00 GMT", 0.0),  # past: at once
    (b"soon", None), (b"-5", None), (b"1.5", None), (b"", None), (None, None),
    (b"99999999999", None),  # more digits than any wait: unread, not a float overflow
    (b"\xb2", None), (b"1\xb2", None),  # latin-1 「²」: isdigit() but no float (it raised)
])
def test_retry_after_seconds(value, seconds):
    from datetime import datetime, timezone

    from spiders.middlewares import retry_after_seconds

    now = datetime(2026, 11, 25, tzinfo=timezone.utc).timestamp()
    assert retry_after_seconds(value, now) == seconds


def test_retry_after_is_bounded_by_a_setting_and_seen_before_the_retry(settings):
    assert settings.getfloat("POINTEXIT_RETRY_AFTER_MAX") == 60
    at = settings.getdict("DOWNLOADER_MIDDLEWARES")["spiders.middlewares.RetryAfterMiddleware"]
    # Above RetryMiddleware (550), below the 429 abort (560): a 429 is never waited for.
    assert 550 < at < settings.getdict("DOWNLOADER_MIDDLEWARES")[
        "spiders.middlewares.AbortOn429Middleware"]


@pytest.mark.parametrize("codes", [[503, 500], "503,500", ["503", "500"]])
def test_retry_codes_given_as_text_are_still_waited_for(codes):
    """`-s RETRY_HTTP_CODES=503,500` gives strings: compared with the int
    status as they were, a 503's Retry-After was skipped (and asked again at
    once), though Scrapy's own retry, reading them as ints, still retried it."""
    import asyncio

    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from spiders.middlewares import RetryAfterMiddleware

    crawler = get_crawler(settings_dict={"RETRY_HTTP_CODES": codes,
                                         "POINTEXIT_RETRY_AFTER_MAX": 1})
    request = Request("https://example.com/")
    response = Response(request.url, status=503, headers={"Retry-After": "3600"},
                        request=request)
    # Over the limit: seen, so not retried, and no wait to sit through here.
    asyncio.run(RetryAfterMiddleware(crawler).process_response(request, response))
    assert request.meta.get("dont_retry") is True


class Maintenance:
    """A RecordedServer fault: the first `times` requests get 503 with
    Retry-After; later ones the page. Notes when each request came."""

    def __init__(self, retry_after: str, times: int = 1):
        self.retry_after, self.times, self.seen = retry_after, times, []

    def __call__(self, request) -> bool:
        import time

        self.seen.append(time.monotonic())
        if len(self.seen) > self.times:
            return False  # serve the page
        request.send_response(503)
        request.send_header("Retry-After", self.retry_after)
        request.send_header("Content-Length", "0")
        request.end_headers()
        return True


def _crawl_in_maintenance(tmp_path, fault, limit: float) -> tuple[dict, dict]:
    import json
    import sqlite3

    from pointexit.recorded import RecordedServer
    from tests.conftest import crawl_subprocess

    db = str(tmp_path / "m.db")
    server = RecordedServer(faults={"/hapitas/exchange/": fault}).start()
    try:
        report = crawl_subprocess(["hapitas"], db, mirror=server.root_url,
                                  settings={"POINTEXIT_RETRY_AFTER_MAX": limit})["hapitas"]
    finally:
        server.stop()
    with sqlite3.connect(db) as conn:
        [(stats,)] = conn.execute("SELECT stats_json FROM crawl_run").fetchall()
    return report, json.loads(stats)


def test_a_503_is_retried_no_sooner_than_its_retry_after(tmp_path):
    # Scrapy's retry asked again at once (the local crawl has no delay).
    fault = Maintenance("1")
    report, stats = _crawl_in_maintenance(tmp_path, fault, limit=2)
    assert (report["verdict"], report["items"]) == ("ok", 9)
    assert len(fault.seen) == 2
    assert fault.seen[1] - fault.seen[0] >= 1.0
    assert stats["pointexit/retry_after_waits"] == 1


def test_a_503_asking_for_longer_than_the_limit_is_not_retried(tmp_path):
    # It was retried twice at once, each time against the site's wish.
    fault = Maintenance("3600", times=3)
    report, stats = _crawl_in_maintenance(tmp_path, fault, limit=0.5)
    assert (report["verdict"], report["items"]) == ("failed", 0)
    assert report["reason"] == "no_page: どのページも取得できませんでした (HTTP 503)"
    assert len(fault.seen) == 1
    assert (stats["pointexit/retry_after_too_long"], stats["pointexit/errors/http_503"]) == (1, 1)
    assert "pointexit/retry_after_waits" not in stats


def test_a_stop_during_a_retry_after_wait_is_not_held_up_by_it(tmp_path):
    """The request waits inside the downloader, and a graceful stop waits for
    it: a whole wait (up to POINTEXIT_RETRY_AFTER_MAX, a minute) outlasted the
    schedule's 20 s grace, so the crawl was killed and its run left running."""
    import json
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from pointexit.recorded import RecordedServer
    from tests.conftest import ROOT

    db = str(tmp_path / "s.db")
    fault = Maintenance("30", times=3)
    server = RecordedServer(faults={"/hapitas/exchange/": fault}).start()
    args = {"spiders": ["hapitas"], "db": db, "mirror": server.root_url,
            "settings": {"LOG_LEVEL": "WARNING", "POINTEXIT_RETRY_AFTER_MAX": 60}}
    try:
        child = subprocess.Popen([sys.executable, "-m", "pointexit.crawling", json.dumps(args)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while not fault.seen and time.monotonic() < deadline:
                time.sleep(0.05)
            assert fault.seen, "the crawl never asked for the page"
            time.sleep(1)  # into the 30 s wait
            child.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            out, err = child.communicate(timeout=60)
            took = time.monotonic() - stopped_at
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    finally:
        server.stop()
    assert took < 10, f"the stop waited {took:.1f} s for the Retry-After wait"
    assert len(fault.seen) == 1  # not asked again after the stop
    [report] = json.loads(out.strip().splitlines()[-1])
    assert (report["verdict"], report["reason"].split(":")[0]) == ("degraded", "stopped"), err
    with sqlite3.connect(db) as conn:
        [(verdict, finished)] = conn.execute("SELECT verdict, finished_at FROM crawl_run").fetchall()
    assert verdict == "degraded" and finished is not None
