"""The verdict of a crawl run, by explicit rules over its Scrapy stats.

ok             every start page answered, enough items, nearly all valid
degraded       data came, but something is off (HTTP errors on some pages,
               fewer items than the site's expected minimum, too many invalid)
failed         nothing usable: every page failed, 429 (we back off), no items
login_required the site answered with a login form instead of the page

Only an ok run updates stored values (see storage.store).
"""

from __future__ import annotations

from dataclasses import dataclass

# Share of items that must validate for a run to be ok.
MIN_VALID_SHARE_BP = 9_000


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reason: str | None


def http_errors(stats: dict) -> int:
    return int(stats.get("httperror/response_ignored_count", 0)) + int(
        stats.get("pointexit/download_errors", 0)
    )


def judge_run(stats: dict, expected_min_items: int) -> Verdict:
    items = int(stats.get("pointexit/items", 0))
    valid = int(stats.get("pointexit/valid_items", 0))
    errors = http_errors(stats)
    pages_ok = int(stats.get("downloader/response_status_count/200", 0))

    if stats.get("pointexit/login_required"):
        return Verdict("login_required", "the site showed a login form (member session needed)")
    if stats.get("downloader/response_status_count/429"):
        return Verdict("failed", "http_429: the site asked us to slow down; run aborted")
    if stats.get("pointexit/robots_forbidden") or stats.get("robotstxt/forbidden"):
        if not items:
            return Verdict("failed", "robots.txt disallows the pages")
    if items == 0 and expected_min_items > 0:
        if errors or not pages_ok:
            return Verdict("failed", f"no page could be read ({errors} HTTP/download errors)")
        return Verdict("failed", "no items found: empty page or the layout changed")
    if stats.get("pointexit/layout_missing"):
        return Verdict("degraded", "expected page structure missing: the layout may have changed")
    if errors:
        return Verdict("degraded", f"{errors} page(s) failed to download")
    if items < expected_min_items:
        return Verdict("degraded", f"only {items} items, expected at least {expected_min_items}")
    if items and valid * 10_000 < items * MIN_VALID_SHARE_BP:
        return Verdict("degraded", f"only {valid} of {items} items valid")
    return Verdict("ok", None)


def parse_rate_bp(stats: dict) -> int | None:
    items = int(stats.get("pointexit/items", 0))
    if not items:
        return None
    return int(stats.get("pointexit/valid_items", 0)) * 10_000 // items
