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
