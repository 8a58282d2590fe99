"""Running spiders through the real Scrapy engine and reporting per spider.

`crawl()` uses CrawlerProcess, which starts (and stops) the Twisted reactor:
call it once per process. A scheduler that crawls repeatedly runs each crawl
in a subprocess (see `python -m pointexit.crawling`).

Scrapy stops gracefully on the first SIGINT/SIGTERM and, on a second one,
stops the reactor at once, leaving the run "running" in the database. A
person at a terminal may want that second Ctrl-C; the scheduler's child must
not act on it: Ctrl-C reaches the whole process group and systemd signals the
whole cgroup, so the child gets the signal itself *and* the stop the scheduler
forwards. There (`graceful_only=True`) repeat signals are ignored and the
child always closes its run; the scheduler kills it if it takes too long.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Callable
from urllib.parse import urlsplit

from pointexit.errors import UserError


class CrawlUsageError(UserError):
    pass


@dataclass(frozen=True)
class SpiderReport:
    spider: str
    site: str
    items: int
    valid_items: int
    new_observations: int
    verdict: str
    reason: str | None
    run_id: int | None


def project_settings():
    import os

    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    return get_project_settings()


def spider_classes() -> dict[str, type]:
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(project_settings())
    return {name: loader.load(name) for name in loader.list()}


def select_spiders(wanted: list[str]) -> list[str]:
    """Spider names for the given sites or spider names (all when empty)."""
    classes = spider_classes()
    if not wanted:
        return sorted(classes)
    chosen: list[str] = []
    for w in wanted:
        matches = [n for n, c in classes.items() if n == w or getattr(c, "site", None) == w]
        if not matches:
            # Both kinds of name are accepted, so both are listed: the sites, and
            # the spiders not named after one (hapitas_shopping).
            sites = sorted({getattr(c, "site", n) for n, c in classes.items()})
            others = sorted(set(classes) - set(sites))
            raise CrawlUsageError(f"unknown site or spider {w!r}; sites: {', '.join(sites)}"
                                  + (f"; other spiders: {', '.join(others)}" if others else ""))
        chosen += [m for m in sorted(matches) if m not in chosen]
    return chosen


def is_local(url: str) -> bool:
    """A loopback URL: our own server for recorded pages, never a real site."""
    import ipaddress

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, e.g. 127.0.0.1.example.com


def local_overrides(urls: list[str | None]) -> dict:
    """Politeness we may skip: only when every spider crawls our own loopback
    server (a spider without a URL crawls its real site)."""
    if urls and all(u and is_local(u) for u in urls):
        return {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
    return {}


def validate_base_url(url: str, option: str) -> str:
    """The URL without its trailing slash, or a usage error naming `option`
    for one no crawl could fetch (checked before anything touches the
    database, so a typo records no failed run)."""
    def bad(problem: str) -> CrawlUsageError:
        return CrawlUsageError(f"{option}: bad base URL {url!r}: {problem}")

    expected = "expected http(s)://host[:port][/path]"
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed or invalid IPv6 bracket: http://[::1/
        raise bad(expected) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad(expected)
    try:
        port = parts.port  # None: none given, the scheme's default
    except ValueError:  # not digits, or above 65535
        port = 0
    if parts.netloc.endswith(":"):  # 「host:」: urlsplit reads an empty port as none given
        port = 0
    if port == 0:
        raise bad("the port must be a number from 1 to 65535")
    return url.rstrip("/")


def crawl(
    spiders: list[str],
    *,
    db: str,
    base_urls: dict[str, str] | None = None,
    mirror: str | None = None,
    settings: dict | None = None,
    cookie_files: dict[str, str] | None = None,
    on_report: Callable[[SpiderReport], None] | None = None,
    graceful_only: bool = False,
) -> list[SpiderReport]:
    """Crawl the named spiders in this process; return one report each.

    base_urls maps site → base URL; mirror is a root under which every site
    lives at <mirror>/<site> (the recorded-pages layout); cookie_files maps
    site → the user's cookies.txt for it (else the config dir's, if any);
    graceful_only: a repeat SIGINT/SIGTERM does not force an unclean stop.
    If on_report raises, the crawl stops (gracefully) and crawl() raises that.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    classes = spider_classes()
    urls = {s: _base_for(classes[s].site, base_urls, mirror) for s in spiders}
    merged = project_settings()
    merged.set("POINTEXIT_DB", db, priority="cmdline")
    for k, v in {**local_overrides(list(urls.values())), **(settings or {})}.items():
        merged.set(k, v, priority="cmdline")

    process = (_graceful_only_process_class() if graceful_only else CrawlerProcess)(merged)
    reports: list[SpiderReport] = []
    handlers: list = []
    raised: list[BaseException] = []  # by on_report

    def collect(crawler):
        def closed(spider, reason):
            stats = crawler.stats.get_stats()
            report = SpiderReport(
                spider=spider.name, site=spider.site,
                items=int(stats.get("pointexit/items", 0)),
                valid_items=int(stats.get("pointexit/valid_items", 0)),
                new_observations=int(stats.get("pointexit/new_observations", 0)),
                verdict=stats.get("pointexit/verdict") or "failed",
                reason=stats.get("pointexit/reason") or (None if reason == "finished" else reason),
                run_id=stats.get("pointexit/run_id"),
            )
            reports.append(report)
            if on_report:
                try:
                    on_report(report)
                except BaseException as exc:
                    # Raised in the reactor, it would be swallowed (logged) by
                    # Scrapy or Twisted: a SystemExit (what Rich raises when
                    # stdout's reader is gone, `pointexit crawl | head`) left the
                    # reactor running forever. Stop the crawl gracefully, so
                    # every run is closed, and raise it once the reactor stops.
                    if not raised:
                        raised.append(exc)
                        from twisted.internet import reactor

                        reactor.callLater(0, process.stop)
        handlers.append(closed)  # Scrapy holds receivers weakly
        crawler.signals.connect(closed, signal=signals.spider_closed)

    for name in spiders:
        crawler = process.create_crawler(name)
        collect(crawler)
        kwargs = {"base_url": urls[name]} if urls[name] else {}
        site = classes[name].site
        if cookie_files and site in cookie_files:
            kwargs["cookies_file"] = cookie_files[site]
        process.crawl(crawler, **kwargs)
    process.start()
    if raised:
        raise raised[0]
    return reports


def _graceful_only_process_class():
    from scrapy.crawler import CrawlerProcess

    class GracefulOnlyCrawlerProcess(CrawlerProcess):
        """The first signal starts Scrapy's graceful stop; later ones are ignored."""

        def _signal_kill(self, signum, frame):
            pass

    return GracefulOnlyCrawlerProcess


def _base_for(site: str, base_urls: dict[str, str] | None, mirror: str | None) -> str | None:
    if base_urls and site in base_urls:
        return base_urls[site]
    if mirror:
        return f"{mirror.rstrip('/')}/{site}"
    return None


def main(argv: list[str]) -> int:
    """Subprocess entry: `python -m pointexit.crawling JSON` → JSON reports on stdout."""
    from fractions import Fraction

    from pointexit.catalog import set_point_values

    args = json.loads(argv[0])
    set_point_values({slug: Fraction(v) for slug, v in args.get("point_values", {}).items()})
    reports = crawl(args["spiders"], db=args["db"], base_urls=args.get("base_urls"),
                    mirror=args.get("mirror"), settings=args.get("settings"),
                    cookie_files=args.get("cookie_files"), graceful_only=True)
    print(json.dumps([asdict(r) for r in reports]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
