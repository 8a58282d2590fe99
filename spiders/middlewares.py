"""Middlewares, one job each.

PageStatsMiddleware      (spider middleware) counts every page that reaches a
                         callback, and the empty ones, whatever the callback:
                         the run's verdict needs them (spiders.health).

AbortOn429Middleware     a 429 ends the site's run at once: the site asked us
                         to stop, so retrying or fetching more pages would be
                         rude (and risks a ban); the verdict says http_429.
                         Closing the spider stops the scheduler, but requests
                         already inside the downloader would still go out:
                         CONCURRENT_REQUESTS = 1 keeps that to none.
RetryAfterMiddleware     a 503 (or another retried status) with Retry-After is
                         retried no sooner than the site asked, and not at all
                         when it asks for longer than POINTEXIT_RETRY_AFTER_MAX
                         seconds: the page counts as failed (http_503) then.
OffsiteRedirectMiddleware a redirect to another host (a login page on the site's
                         account host, a moved site) fails the request, with
                         its own cause: Scrapy would drop the request it
                         leads to without a word, leaving the run "no page".
DeclaredCharsetMiddleware a Content-Type charset that cannot be the page's (its
                         bytes do not decode in it, or a server's Western
                         default on a page of Japanese bytes) gives way to the
                         charset the page itself declares in <meta>, when the
                         page decodes in that one.
SessionCookiesMiddleware the user's own session cookies (pointexit.cookies),
                         added only to requests for the spider's own host and
                         never logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class PageStatsMiddleware:
    """Below it, HttpErrorMiddleware (50) has already turned non-2xx answers
    into errors: what arrives here is a page the site served."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_input(self, response, spider=None):
        from spiders.base import is_empty_page

        self.stats.inc_value("pointexit/pages")
        if is_empty_page(response):
            self.stats.inc_value("pointexit/empty_pages")
            logger.warning("empty page at %s", response.url)


class _WithCrawler:
    """A middleware that keeps its crawler (stats, the spider)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class TooManyRequests(IgnoreRequest):
    """The site answered HTTP 429."""


class AbortOn429Middleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        # A request that was already on its way (one held back for robots.txt,
        # whose own answer was the 429) is not sent either.
        if self.closing:
            raise TooManyRequests(f"not sent after HTTP 429: {request.url}")
        return None

    def process_response(self, request, response, spider=None):
        if response.status != 429:
            return response
        self.crawler.stats.inc_value("pointexit/http_429")
        if not self.closing:
            self.closing = True
            logger.error("HTTP 429 from %s (Retry-After: %s): aborting this site's run",
                         request.url, response.headers.get("Retry-After", b"-").decode("latin-1"))
            _close_spider(self.crawler, "http_429")
        raise TooManyRequests(f"HTTP 429 at {request.url}")


def retry_after_seconds(value: bytes | str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks to wait: 「120」 → 120, an HTTP date →
    the time until it (0 when past); None when it says neither."""
    from email.utils import parsedate_to_datetime

    text = (value.decode("latin-1") if isinstance(value, bytes) else value or "").strip()
    # ASCII digits only: latin-1's 「²」 is a digit to isdigit() but no float.
    if text.isascii() and text.isdigit():
        return float(text) if len(text) < 10 else None  # beyond any limit: unread
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:  # a date without a zone is no HTTP date
        return None
    return max(0.0, when.timestamp() - now)


class RetryAfterMiddleware(_WithCrawler):
    """Above RetryMiddleware (550): waits out Retry-After before the response
    goes on to be retried. Scrapy's retry ignores the header and asks again at
    once, which is what a site in maintenance asked us not to do. While it
    waits the request stays in the downloader: with CONCURRENT_REQUESTS = 1
    nothing else goes to the site either."""

    async def process_response(self, request, response, spider=None):
        settings = self.crawler.settings
        header = response.headers.get("Retry-After")
        if (header is None or response.status not in self._retry_codes()
                or not self._will_retry(request)):
            return response
        import time

        wait = retry_after_seconds(header, time.time())
        if wait is None:
            return response  # unreadable: Scrapy's usual retry
        limit = settings.getfloat("POINTEXIT_RETRY_AFTER_MAX")
        if wait > limit:
            self.crawler.stats.inc_value("pointexit/retry_after_too_long")
            logger.error("HTTP %s from %s asks to retry after %ss, over the %ss limit "
                         "(POINTEXIT_RETRY_AFTER_MAX): not retried", response.status,
                         request.url, f"{wait:g}", f"{limit:g}")
            request.meta["dont_retry"] = True
            return response
        self.crawler.stats.inc_value("pointexit/retry_after_waits")
        logger.warning("HTTP %s from %s: waiting %ss (Retry-After) before retrying",
                       response.status, request.url, f"{wait:g}")
        # In slices: a stop (Ctrl-C, the schedule's SIGTERM) waits for this
        # request to leave the downloader, and a whole wait of up to a minute
        # outlasted the schedule's grace and got the crawl killed, its run
        # left unfinished. Stopped, the page is not retried: it failed.
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            if self._stopping():
                request.meta["dont_retry"] = True
                break
            await _sleep(min(left, 0.25))
        return response

    def _stopping(self) -> bool:
        """The crawl is being stopped (Crawler.stop) or the spider closed."""
        slot = getattr(self.crawler.engine, "_slot", None)
        return not self.crawler.crawling or slot is None or slot.closing is not None

    def _retry_codes(self) -> set[int]:
        """As RetryMiddleware reads them: `-s RETRY_HTTP_CODES=503,500` gives
        strings, which never equal the int status."""
        return {int(code) for code in self.crawler.settings.getlist("RETRY_HTTP_CODES")}

    def _will_retry(self, request) -> bool:
        """As RetryMiddleware decides: retries on, not refused, some left."""
        settings = self.crawler.settings
        most = request.meta.get("max_retry_times", settings.getint("RETRY_TIMES"))
        return (settings.getbool("RETRY_ENABLED") and not request.meta.get("dont_retry")
                and request.meta.get("retry_times", 0) < most)


async def _sleep(seconds: float) -> None:
    """Sleep in the reactor (whichever one runs), without blocking it."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class OffsiteRedirect(IgnoreRequest):
    """The site redirected a page to another host."""

    def __init__(self, url: str, host: str):
        super().__init__(f"redirected to another host: {url}")
        self.host = host


class OffsiteRedirectMiddleware(_WithCrawler):
    """Above RedirectMiddleware (600): sees the 3xx before it is followed."""

    def process_response(self, request, response, spider=None):
        location = response.headers.get("Location")
        if not (300 <= response.status < 400 and location) or request.meta.get(
                "dont_obey_robotstxt"):  # robots.txt: Scrapy's own business
            return response
        from urllib.parse import urljoin

        from scrapy.utils.url import url_is_from_any_domain

        domains = getattr(self.crawler.spider, "allowed_domains", None)
        url = urljoin(request.url, location.decode("latin-1"))
        if not domains or url_is_from_any_domain(url, domains):
            return response
        host = urlsplit(url).hostname or url
        self.crawler.stats.set_value("pointexit/redirect_host", host)
        logger.warning("%s redirected to another host: %s", request.url, url)
        raise OffsiteRedirect(url, host)


# What a server sends when nobody configured a charset (iso-8859-1, us-ascii,
# windows-1252 all resolve to this); never right for a page of Japanese bytes.
_SERVER_DEFAULT = "cp1252"


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class DeclaredCharsetMiddleware(_WithCrawler):
    """Below HttpCompressionMiddleware (590): sees the decompressed body."""

    def process_response(self, request, response, spider=None):
        from scrapy.http import TextResponse
        from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

        if not isinstance(response, TextResponse):
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        header = http_content_type_encoding(content_type)
        meta = html_body_declared_encoding(response.body)
        if not header or not meta or header == meta or response.body.isascii():
            return response
        if header != _SERVER_DEFAULT and _decodes(response.body, header):
            return response
        if not _decodes(response.body, meta):
            return response
        self.crawler.stats.inc_value("pointexit/charset_corrected")
        logger.warning("%s: the page is %s, as it declares, not %s as its Content-Type says",
                       response.url, meta, header)
        return response.replace(encoding=meta)


def _close_spider(crawler, reason: str) -> None:
    engine = crawler.engine
    if hasattr(engine, "close_spider_async"):  # Scrapy ≥ 2.14
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:
        engine.close_spider(crawler.spider, reason)


class SessionCookiesMiddleware:
    """Sends the user's session cookies for the spider's site, to its host only.

    The file is the spider's `cookies_file` argument (`--cookies FILE`), else
    `<config dir>/cookies/<site>.txt` when it exists. Placed after Scrapy's
    CookiesMiddleware, so cookies the site set during the crawl win.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.cookies = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        from pointexit.cookies import (
            CookieFileError,
            cookies_for_host,
            read_cookie_file,
            site_cookie_file,
        )

        explicit = getattr(spider, "cookies_file", None)
        site = getattr(spider, "site", "")
        path = explicit or (site and site_cookie_file(site))
        if not path or (not explicit and not path.is_file()):
            return
        host = urlsplit(getattr(spider, "base_url", "")).hostname or ""
        try:
            found = read_cookie_file(path)
        except CookieFileError as exc:
            # Its name only: the run's reason reaches the page, which may be public.
            self.crawler.stats.set_value("pointexit/cookie_file_error", Path(path).name)
            logger.error("session cookies not used: %s", exc)
            return
        self.cookies = cookies_for_host(found, host)
        self.crawler.stats.set_value("pointexit/session_cookies", len(self.cookies))
        logger.info("using %d session cookie(s) for %s from %s (%d for other hosts ignored)",
                    len(self.cookies), host, path, len(found) - len(self.cookies))

    def process_request(self, request, spider=None):
        if not self.cookies:
            return None
        from pointexit.cookies import cookie_header

        existing = request.headers.get("Cookie")
        header = cookie_header(self.cookies, request.url,
                               existing.decode("latin-1") if existing else None)
        if header:
            request.headers["Cookie"] = header
        return None
