"""`pointexit crawl`: run spiders through the Scrapy engine into the database."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pointexit.cli.app import DbOption, app, console

_VERDICT_STYLE = {"ok": "green", "degraded": "yellow", "failed": "red", "login_required": "magenta"}


def report_line(report) -> str:
    from rich.markup import escape

    style = _VERDICT_STYLE.get(report.verdict, "red")
    reason = f" — {escape(report.reason)}" if report.reason else ""
    return (f"{report.spider:<20} items {report.items:>3}  new observations "
            f"{report.new_observations:>3}  [{style}]{report.verdict}[/{style}]{reason}")


def run_and_report(spiders, *, db, base_urls=None, mirror=None, cookie_files=None,
                   verbose=False):
    from pointexit.crawling import crawl
    from storage.engine import shown

    out = console()
    out.print(f"crawling {len(spiders)} spider(s) into {shown(db)} ...")
    # Problems show in each spider's verdict line; Scrapy's log is for --verbose.
    settings = {} if verbose else {"LOG_LEVEL": "CRITICAL"}
    reports = crawl(spiders, db=db, base_urls=base_urls, mirror=mirror, settings=settings,
                    cookie_files=cookie_files, on_report=lambda r: out.print(report_line(r)))
    return reports


@app.command("crawl")
def crawl_command(
    sites: Annotated[Optional[list[str]], typer.Argument(
        help="Sites or spider names (default: all).", show_default=False)] = None,
    base_url: Annotated[Optional[str], typer.Option(
        "--base-url", help="Crawl this base URL instead of the real site (one site only).")] = None,
    mirror: Annotated[Optional[str], typer.Option(
        "--mirror", help="Root URL under which every site lives at <root>/<site> (recorded layout).")] = None,
    cookies: Annotated[Optional[str], typer.Option(
        "--cookies", help="Your browser's cookies.txt (Netscape format) for a members-only "
        "page, one site only; sent only to that site's host (default: "
        "<config dir>/cookies/<site>.txt).")] = None,
    db: DbOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Scrapy's log.")] = False,
) -> None:
    """Crawl sites through the real Scrapy engine; prints items, new observations, verdict."""
    from pointexit.config import resolve_db
    from pointexit.crawling import CrawlUsageError, select_spiders, validate_base_url
    from storage.engine import open_engine

    spiders = select_spiders(sites or [])
    base_urls = None
    # `is not None`: an empty value (an unset shell variable) is a bad URL,
    # not "no option" — that would crawl the real sites instead.
    if base_url is not None:
        chosen_sites = {s for s in (sites or [])}
        if len(chosen_sites) != 1:
            raise CrawlUsageError("--base-url needs exactly one SITE (use --mirror for several)")
        base_urls = {_site_of(spiders[0]): validate_base_url(base_url, "--base-url")}
    if mirror is not None:
        mirror = validate_base_url(mirror, "--mirror")
    cookie_files = check_cookie_files(sites or [], spiders, cookies)
    path = resolve_db(db)
    open_engine(path).dispose()  # fail early, in one line, on a bad database
    reports = run_and_report(spiders, db=path, base_urls=base_urls, mirror=mirror,
                             cookie_files=cookie_files, verbose=verbose)
    if any(r.verdict != "ok" for r in reports):
        raise typer.Exit(1)


def check_cookie_files(sites: list[str], spiders: list[str],
                       explicit: str | None = None) -> dict[str, str]:
    """Check every cookie file the crawl would read, so a bad one is a
    one-line error now rather than a failed run later (`crawl` and `schedule`)."""
    from pathlib import Path

    from pointexit.cookies import read_cookie_file, site_cookie_file
    from pointexit.crawling import CrawlUsageError
    from pointexit.errors import not_empty

    if not_empty(explicit, "--cookies", "path", "the cookie file in the config dir") is not None:
        if len(set(sites)) != 1:
            raise CrawlUsageError("--cookies needs exactly one SITE (cookies belong to one site)")
        read_cookie_file(explicit)
        return {_site_of(spiders[0]): str(Path(explicit).expanduser().resolve())}
    for site in {_site_of(s) for s in spiders}:
        if site_cookie_file(site).is_file():
            read_cookie_file(site_cookie_file(site))
    return {}


def _site_of(spider_name: str) -> str:
    from pointexit.crawling import spider_classes

    return spider_classes()[spider_name].site
