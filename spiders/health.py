"""The verdict of a crawl run, by explicit rules over its Scrapy stats.

ok             every page answered, enough items, (nearly) all valid
degraded       data came, but something is off: the crawl was stopped before
               it had read every page (Ctrl-C, SIGTERM), some pages failed,
               items miss required fields, a campaign or offer could not be
               read (stored, it would read as ended), fewer items than the site's expected
               minimum, too small a share of valid items, the spider saw
               part of its expected page structure missing, or its code failed
               on a page or an item (what that page had left unread, or the
               item, cannot read as gone)
failed         nothing usable: no page could be read (HTTP errors, timeouts,
               robots.txt, redirects to another host), HTTP 429 (the run is aborted), an empty page, a
               page without items (the layout changed, unless the spider's or a
               pipeline's code failed there: then that error), or no valid item
login_required the site answered with a login form instead of the page

The rules are checked in the order of `judge_run`; the first that matches
gives the verdict and its reason. A reason starts with a stable code
(`http_429: ...`) followed by a Japanese explanation for the user.
Only an ok run updates stored values (see storage.store).

Stats the rules read (written by spiders.middlewares, spiders.base and
spiders.pipelines.ValidatePipeline; pointexit/stopped by StorePipeline):

pointexit/stopped               the crawl was asked to stop (its pending pages were dropped)
pointexit/pages                 pages that answered 2xx and were parsed
pointexit/empty_pages           ... of which had no content at all
pointexit/layout_missing        a spider found part of its expected structure missing
pointexit/layout_missing_at     ... the path of the first page it was missing on
pointexit/login_required        a login form was shown instead of the page
pointexit/cookie_file_error     the name (not the path) of the user's cookie file that
                                could not be used
pointexit/download_errors       requests that failed (any cause, after retries)
pointexit/errors/<cause>        ... by cause: http_404, timeout, robots, http_429,
                                offsite_redirect (to another host: pointexit/redirect_host), other
pointexit/http_429              the site answered 429 (the run was aborted)
spider_exceptions/count         (Scrapy's) a spider callback raised on a page
pointexit/pipeline_errors       an item pipeline raised on an item (Scrapy dropped it);
pointexit/pipeline_errors/<exception class>   ... by kind (StorePipeline counts them)
pointexit/items, valid_items, invalid_items, invalid/<problem>, unparsed_rewards,
pointexit/exits, valid_exits    (exit items only)
pointexit/invalid_listings      invalid campaign and routing offer items
"""

from __future__ import annotations

from dataclasses import dataclass

# Share of items that must validate for a run to be ok (basis points).
MIN_VALID_SHARE_BP = 9_000

# Problems that mean the page no longer has what an item is made of.
_MISSING = "pointexit/invalid/missing:"
_ERRORS = "pointexit/errors/"

_CAUSE_WORDS = {
    "timeout": "タイムアウト",
    "robots": "robots.txtで禁止",
    "http_429": "HTTP 429",
    "other": "接続エラー",
    "offsite_redirect": "別のホストへ転送",
    "empty": "空のページ",
}


@dataclass(frozen=True)
class Verdict:
    verdict: str
    code: str | None = None  # stable short name of the rule that decided
    detail: str | None = None  # the explanation shown to the user

    @property
    def reason(self) -> str | None:
        if self.code is None:
            return None
        return f"{self.code}: {self.detail}" if self.detail else self.code


def _int(stats: dict, key: str) -> int:
    return int(stats.get(key) or 0)


def http_errors(stats: dict) -> int:
    """Requests that failed for good (after retries), whatever the cause."""
    return _int(stats, "pointexit/download_errors")


def error_causes(stats: dict) -> dict[str, int]:
    """Failed requests by cause, e.g. {"http_404": 1, "timeout": 2}."""
    return {k.removeprefix(_ERRORS): int(v) for k, v in sorted(stats.items())
            if k.startswith(_ERRORS) and v}


def _causes_text(causes: dict[str, int]) -> str:
    words = []
    for cause, n in causes.items():
        word = _CAUSE_WORDS.get(cause) or cause.replace("http_", "HTTP ")
        words.append(word if n == 1 else f"{word} ×{n}")
    return "、".join(words) or "原因不明"


def missing_fields(stats: dict) -> dict[str, int]:
    """Required fields that items lacked, with how many items lacked each."""
    return {k.removeprefix(_MISSING): int(v) for k, v in sorted(stats.items())
            if k.startswith(_MISSING) and v}


def judge_run(stats: dict, expected_min_items: int) -> Verdict:
    items = _int(stats, "pointexit/items")
    valid = _int(stats, "pointexit/valid_items")
    pages = _int(stats, "pointexit/pages")
    empty = _int(stats, "pointexit/empty_pages")
    errors = http_errors(stats)
    causes = error_causes(stats)

    if stats.get("pointexit/login_required"):
        if cookie_file := stats.get("pointexit/cookie_file_error"):
            return Verdict("login_required", "login_required",
                           f"ページの代わりにログイン画面が表示されました (Cookieファイル "
                           f"{cookie_file} を使えなかったため、Cookieなしで巡回しました。"
                           "`pointexit crawl` で原因を確認できます)")
        return Verdict("login_required", "login_required",
                       "ページの代わりにログイン画面が表示されました (会員のCookieが必要です)")
    if _int(stats, "pointexit/http_429") or _int(stats, "downloader/response_status_count/429"):
        return Verdict("failed", "http_429",
                       "サイトからアクセス過多 (HTTP 429) と返されたため、このサイトの巡回を中断しました")
    if stats.get("pointexit/stopped"):
        # What was read may be whole pages, but not every page: stored as the
        # newest ok run, it would make what the dropped pages show look gone.
        read = f" (読んだ{pages}ページも保存していません)" if pages else ""
        return Verdict("degraded", "stopped", f"巡回が途中で止められました{read}")
    if pages == 0 and items == 0:
        if causes and set(causes) == {"robots"}:
            return Verdict("failed", "robots_disallowed",
                           f"robots.txtがページの取得を禁止しています ({causes['robots']}ページ)")
        if set(causes) == {"offsite_redirect"}:
            host = stats.get("pointexit/redirect_host") or "?"
            return Verdict("failed", "redirected",
                           f"ページが別のホスト ({host}) へ転送されました "
                           "(ログインが必要になったか、サイトが移転した可能性があります)")
        if set(causes) == {"timeout"}:
            return Verdict("failed", "timeout", "サイトが応答しませんでした (タイムアウト、再試行後も)")
        if errors:
            return Verdict("failed", "no_page",
                           f"どのページも取得できませんでした ({_causes_text(causes)})")
        return Verdict("failed", "no_page", "取得したページがありません")
    if pages and empty == pages:
        return Verdict("failed", "empty_page", "ページが空でした (内容がありません)")
    if items == 0 and expected_min_items > 0:
        # Code that raised on the page or on every item leaves none counted
        # too: the page may be fine, so name the error, not the layout.
        if crashed := _crashed(stats):
            return Verdict("failed", "spider_error",
                           f"ページの読み取り中にエラーが{crashed} "
                           "(項目を1件も読めていません)")
        if failed := _failed_items(stats):
            return Verdict("failed", "pipeline_error",
                           f"項目の処理中にエラーが{failed} "
                           "(項目を1件も処理できず、この巡回の値は保存していません)")
        return Verdict("failed", "layout_changed",
                       "ページに交換先が見つかりません (ページの構成が変わった可能性があります)")
    if items and valid == 0:
        return Verdict("failed", "no_valid_items",
                       f"有効な項目がありません ({items}件すべてに問題: {_fields_text(stats)})")
    exits = _int(stats, "pointexit/exits")
    if exits and not _int(stats, "pointexit/valid_exits"):
        # Campaigns may still read fine: without a single exit the page is gone all the same.
        return Verdict("failed", "no_valid_items",
                       f"有効な交換先がありません ({exits}件すべてに問題: {_fields_text(stats)})")
    if crashed := _crashed(stats):
        return Verdict("degraded", "spider_error",
                       f"ページの読み取り中にエラーが{crashed} "
                       "(ページの残りは読めていません)")
    if failed := _failed_items(stats):
        return Verdict("degraded", "pipeline_error",
                       f"項目の処理中にエラーが{failed} "
                       "(その項目が消えたと誤認しないよう、この巡回の値は保存していません)")
    if stats.get("pointexit/layout_missing"):
        at = stats.get("pointexit/layout_missing_at")
        return Verdict("degraded", "layout_changed",
                       f"ページの一部の構成が見つかりません{f' ({at})' if at else ''} "
                       "(ページの構成が変わった可能性があります)")
    if errors or empty:
        if empty:
            causes["empty"] = empty
        return Verdict("degraded", "pages_failed",
                       f"{pages + errors}ページ中{errors + empty}ページを読めませんでした "
                       f"({_causes_text(causes)})")
    if listings := _int(stats, "pointexit/invalid_listings"):
        # Stored as ok, the run would make a campaign or offer it could not read
        # look ended (掲載終了), and the advisor stop planning with it.
        return Verdict("degraded", "invalid_listing",
                       f"キャンペーン・還元情報{listings}件を読めませんでした ({_fields_text(stats)}); "
                       "掲載終了と誤認しないよう、この巡回の値は保存していません")
    if missing_fields(stats):
        lacking = _int(stats, "pointexit/invalid_items")
        return Verdict("degraded", "missing_fields",
                       f"{items}件中{lacking}件に必須項目がありません ({_fields_text(stats)})")
    if items < expected_min_items:
        return Verdict("degraded", "too_few_items",
                       f"項目が{items}件だけです (このサイトでは{expected_min_items}件以上のはず)")
    if items and valid * 10_000 < items * MIN_VALID_SHARE_BP:
        return Verdict("degraded", "too_many_invalid",
                       f"有効な項目が{items}件中{valid}件だけです "
                       f"({MIN_VALID_SHARE_BP // 100}%未満)")
    return Verdict("ok")


def _errors_text(stats: dict, prefix: str) -> str:
    """「2件発生しました (KeyError, ValueError)」, or "" when none was counted:
    the total is <prefix>count (Scrapy's) or <prefix> itself (ours)."""
    count = _int(stats, prefix + "count") or _int(stats, prefix.rstrip("/"))
    if not count:
        return ""
    kinds = sorted(k.removeprefix(prefix) for k, v in stats.items()
                   if k.startswith(prefix) and k != prefix + "count" and v)
    return f"{count}件発生しました" + (f" ({', '.join(kinds)})" if kinds else "")


def _crashed(stats: dict) -> str:
    """A spider callback raised on a page (Scrapy's own stats)."""
    return _errors_text(stats, "spider_exceptions/")


def _failed_items(stats: dict) -> str:
    """An item pipeline raised on an item (StorePipeline counts them)."""
    return _errors_text(stats, "pointexit/pipeline_errors/")


def _fields_text(stats: dict) -> str:
    missing = missing_fields(stats)
    if missing:
        return "欠落: " + ", ".join(f"{f} ×{n}" for f, n in missing.items())
    problems = {k.removeprefix("pointexit/invalid/"): int(v) for k, v in sorted(stats.items())
                if k.startswith("pointexit/invalid/") and v}
    return ", ".join(f"{p} ×{n}" for p, n in problems.items()) or "不明"


def parse_rate_bp(stats: dict) -> int | None:
    """Share of items whose reward (rate, bonus, cashback) became a number."""
    items = _int(stats, "pointexit/items")
    if not items:
        return None
    return (items - _int(stats, "pointexit/unparsed_rewards")) * 10_000 // items
