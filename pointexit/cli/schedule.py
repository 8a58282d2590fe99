"""`pointexit schedule`: crawl every N hours, then rebuild the page and feed."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pointexit.cli.app import BadOption, DbOption, app, loaded_config
from pointexit.cli.page import WalletOption
from pointexit.config import LEAP_YEAR_HOURS

DEFAULT_EVERY_HOURS = 6.0
DEFAULT_JITTER_S = 600
MAX_EVERY_HOURS = LEAP_YEAR_HOURS
# A shorter interval rounds to nothing (1e-12 h is a zero timedelta): crawls
# back to back. One second still lets the tests schedule fast.
MIN_EVERY_HOURS = 1 / 3600

# As `page`'s --out, but [schedule] out comes first (_crawl_settings).
OutOption = Annotated[Optional[str], typer.Option(
    "--out", "-o", help="Directory for index.html and feed.xml (default: [schedule] out in "
                        "config.toml, else [page] out, else the user data dir's page/).")]


@app.command("schedule")
def schedule_command(
    ctx: typer.Context,
    sites: Annotated[Optional[list[str]], typer.Argument(
        help="Sites or spider names (default: [schedule] sites in config.toml, else all).",
        show_default=False)] = None,
    every: Annotated[Optional[float], typer.Option(
        "--every", help=f"Hours between crawls, at least one second (1/3600) and at most {MAX_EVERY_HOURS:,} "
                        f"(default: [schedule] every_hours, else {DEFAULT_EVERY_HOURS:g}).")] = None,
    jitter: Annotated[Optional[int], typer.Option(
        "--jitter", help=f"Seconds of random delay added or taken off each crawl time "
                         f"(default: [schedule] jitter_seconds, else {DEFAULT_JITTER_S} or a quarter "
                         f"of a shorter interval; under half the interval).")] = None,
    out: OutOption = None,
    db: DbOption = None,
    mirror: Annotated[Optional[str], typer.Option(
        "--mirror", help="Root URL under which every site lives at <root>/<site> (recorded layout).")] = None,
    runs: Annotated[int, typer.Option(
        "--runs", help="Stop after this many crawls (0: run until stopped; 1 suits cron).")] = 0,
    wallet: WalletOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Crawl on a schedule (APScheduler, one crawl at a time), then rebuild page and feed.

    Stops cleanly on Ctrl-C or SIGTERM. Logs go to stderr.
    """
    from datetime import timedelta

    from pointexit import config
    from pointexit.catalog import set_point_values
    from pointexit.page import prepare_out_dir, read_wallet
    from pointexit.schedule import Reread, ScheduleOptions, configure_logging, run_schedule
    from storage.engine import open_engine

    cfg = loaded_config(ctx)
    # The config's values are checked whether or not an option overrides them:
    # a bad config.toml is one line now, not a surprise on the run without the option.
    every_cfg, jitter_cfg = _interval_settings(cfg)
    given = {"every": every, "jitter": jitter}  # options win over the config, then and later
    every = every if every is not None else every_cfg or DEFAULT_EVERY_HOURS
    if not MIN_EVERY_HOURS <= every <= MAX_EVERY_HOURS:  # also false for nan
        raise BadOption(f"bad --every {every:g}: hours between crawls must be at least one second "
                        f"(1/3600) and at most {MAX_EVERY_HOURS:,} (one leap year)")
    if jitter is None and jitter_cfg is not None and jitter_cfg * 2 >= every * 3600:
        raise config.ConfigError(f"config {cfg.path}: [schedule] jitter_seconds must "
                                 f"be under half the interval ({every * 1800:g} s), not {jitter_cfg}")
    if jitter is None:
        # Unasked, the default shrinks to a quarter of a short interval rather than refuse it.
        jitter = min(DEFAULT_JITTER_S, int(every * 900)) if jitter_cfg is None else jitter_cfg
    if jitter < 0 or jitter * 2 >= every * 3600:
        raise BadOption(f"bad --jitter {jitter}: must be at least 0 and under half the interval "
                        f"({every * 1800:g} s)")
    if runs < 0:
        raise BadOption(f"bad --runs {runs}: must be 0 (no limit) or more")
    options = dict(sites=sites, mirror=mirror, out=out, wallet=wallet)
    settings = _crawl_settings(cfg, **options)
    if settings["wallet"] is not None:
        # As `page` would, but now: a bad wallet is one line before any crawl,
        # not a failed rebuild after each one. (Each rebuild reads it afresh.)
        read_wallet(settings["wallet"])
    path = config.resolve_db(db)
    open_engine(path).dispose()  # fail now, in one line, on a bad database
    prepare_out_dir(settings["out"])

    def reread() -> Reread:
        """config.toml again, before each crawl: an edit applies from the next
        crawl on; the interval and jitter only after a restart."""
        fresh = config.load_config(cfg.path)
        every_now, jitter_now = _interval_settings(fresh)
        restart = [f"[schedule] {key} is now {now:g}; the schedule keeps {in_use:g} until it is restarted"
                   for key, now, in_use, option in (("every_hours", every_now, every, given["every"]),
                                                     ("jitter_seconds", jitter_now, jitter, given["jitter"]))
                   if option is None and now is not None and now != in_use]
        # A cookie file gone bad is the crawl's to report (login_required, and why), not the config's.
        new = _crawl_settings(fresh, **options, check_cookies=False)
        point_values = config.point_values(fresh)
        if new["out"] != settings["out"]:
            prepare_out_dir(new["out"])
        return Reread(source=f"config {fresh.path}", options=new,
                      apply=lambda: set_point_values(point_values), restart=restart)

    configure_logging(verbose)
    rc = run_schedule(ScheduleOptions(
        db=path, every=timedelta(hours=every), jitter_s=jitter, runs=runs, reread=reread, **settings,
    ))
    if rc:
        raise typer.Exit(rc)


def _interval_settings(cfg) -> tuple[float | None, int | None]:
    """[schedule] every_hours and jitter_seconds, checked."""
    from pointexit import config

    every_cfg = config.config_value(cfg, "schedule", "every_hours", float,
                                    positive=True, maximum=MAX_EVERY_HOURS)
    if every_cfg is not None and not every_cfg >= MIN_EVERY_HOURS:
        raise config.ConfigError(f"config {cfg.path}: [schedule] every_hours must be at least one "
                                 f"second (1/3600), not {every_cfg:g}")
    return every_cfg, config.config_value(cfg, "schedule", "jitter_seconds", int, minimum=0)


def _crawl_settings(cfg, *, sites, mirror, out, wallet, check_cookies: bool = True) -> dict:
    """What a crawl and its rebuild take from config.toml and the options (an
    option wins): read at start, and again before each crawl."""
    from pointexit import config
    from pointexit.cli.crawl import check_cookie_files
    from pointexit.cli.page import page_settings
    from pointexit.crawling import select_spiders, validate_base_url

    sites_cfg = config.config_value(cfg, "schedule", "sites", list, items=str)
    mirror_cfg = config.config_value(cfg, "schedule", "mirror", str)
    out_cfg = config.config_value(cfg, "schedule", "out", str)
    sites = sites or sites_cfg or []
    # An empty --mirror (an unset shell variable) is a bad URL, not "no option":
    # that would crawl the real sites instead.
    mirror_source = "--mirror" if mirror is not None else f"config {cfg.path}: [schedule] mirror"
    mirror = mirror if mirror is not None else mirror_cfg
    # Before the database is opened: a bad URL writes nothing there.
    mirror = validate_base_url(mirror, mirror_source) if mirror is not None else None
    out = out if out is not None else out_cfg or None
    out, wallet, stale_after, calendar = page_settings(out, wallet, cfg)
    spiders = select_spiders(sites)
    # As `crawl` does: a bad <config dir>/cookies/<site>.txt is one line now,
    # not a login_required verdict on every scheduled run.
    if check_cookies:
        check_cookie_files(sites, spiders)
    return dict(spiders=spiders, mirror=mirror, out=out, wallet=wallet, stale_after=stale_after,
                calendar=calendar)
