"""Scrapy settings for pointexit: polite by default.

The CLI and tests override POINTEXIT_DB and, for the local recorded pages,
the delays; nothing else differs between a home crawl and the demo.
"""

BOT_NAME = "pointexit"
SPIDER_MODULES = ["spiders.sites"]
NEWSPIDER_MODULE = "spiders.sites"

ROBOTSTXT_OBEY = True
USER_AGENT = "pointexit/0.1 (+https://github.com/pointexit/pointexit; personal point-exchange planner)"
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# One request in the downloader at a time per spider (each crawls one site):
# Scrapy hands up to this many requests to the downloader ahead of time, and
# a 429 must leave none of them to be sent (spiders.middlewares).
CONCURRENT_REQUESTS = 1
DOWNLOAD_DELAY = 3
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# 5xx and timeouts are retried (Scrapy retries timeouts and connection errors
# by itself); 429 is not: it aborts the site's run (spiders.middlewares).
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
# A retried answer with Retry-After (a 503 in maintenance) is retried no sooner
# than it asks, up to this many seconds; asked to wait longer, the page fails.
POINTEXIT_RETRY_AFTER_MAX = 60
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy ≥ 2.19 opens a control port by default
LOG_LEVEL = "INFO"

# IPv4 and IPv6 (e.g. --base-url http://[::1]:8000/hapitas): Scrapy's default
# resolver, CachingThreadedResolver, looks up IPv4 addresses only. This one
# ignores DNS_TIMEOUT; DOWNLOAD_TIMEOUT still bounds every request.
TWISTED_DNS_RESOLVER = "scrapy.resolver.CachingHostnameResolver"

FEED_EXPORT_ENCODING = "utf-8"

SPIDER_MIDDLEWARES = {
    # After HttpErrorMiddleware (50): counts the pages that were served.
    "spiders.middlewares.PageStatsMiddleware": 60,
}

DOWNLOADER_MIDDLEWARES = {
    # Below HttpCompressionMiddleware (590): a wrong charset header gives way to <meta>.
    "spiders.middlewares.DeclaredCharsetMiddleware": 580,
    # Above RetryMiddleware (550): sees a 429 before anything could retry it.
    "spiders.middlewares.AbortOn429Middleware": 560,
    # Above RetryMiddleware too: waits out Retry-After before it retries.
    "spiders.middlewares.RetryAfterMiddleware": 555,
    # Above RedirectMiddleware (600): a redirect to another host is a failed page.
    "spiders.middlewares.OffsiteRedirectMiddleware": 620,
    # After CookiesMiddleware (700): the site's own fresh cookies win.
    "spiders.middlewares.SessionCookiesMiddleware": 710,
}

ITEM_PIPELINES = {
    "spiders.pipelines.NormalizePipeline": 100,
    "spiders.pipelines.ValidatePipeline": 200,
    "spiders.pipelines.StorePipeline": 300,
}

# Path or SQLAlchemy URL; empty means $POINTEXIT_DB or the user data dir.
POINTEXIT_DB = ""

# `scrapy crawl` checks the spider's arguments (-a base_url=...) before it starts.
COMMANDS_MODULE = "spiders.commands"
