"""The scheduled crawl: crawl every N hours (with jitter), then rebuild the
page and the feed.

Each crawl runs in a child process (`python -m pointexit.crawling`): Twisted's
reactor cannot be restarted inside one process, and a crawl that crashes or
hangs cannot take the scheduler down with it. APScheduler's background
scheduler fires the job; `max_instances=1` and `coalesce=True` keep one crawl
at a time, and a tick that arrives while a crawl still runs is skipped and
logged. SIGTERM or Ctrl-C stops the schedule: no new crawl starts, a running
crawl is asked to stop (Scrapy's own graceful shutdown), and the process exits.
The child often gets the signal itself too (Ctrl-C reaches the process group,
systemd signals the cgroup); it ignores repeat signals, so the second one
does not turn the graceful stop into an unclean one (see pointexit.crawling).

SQLite is in WAL mode with a busy timeout (storage.engine), so `pointexit
exits` and friends keep reading while a crawl writes.
"""

from __future__ import annotations

import json
import logging
import math
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from pointexit.clock import JST, now_jst, on_app_clock
from pointexit.errors import UserError

log = logging.getLogger("pointexit.schedule")

# How long a crawl may take before it is stopped, and how long a stopping
# crawl gets to close cleanly before it is killed.
CRAWL_TIMEOUT_S = 30 * 60
STOP_GRACE_S = 20


@dataclass
class Reread:
    """The settings config.toml gives now (see ScheduleOptions.reread)."""

    source: str  # "config /path/config.toml", for the log
    options: dict  # ScheduleOptions fields
    apply: Callable[[], None] = lambda: None  # what else takes effect (the point values)
    restart: list[str] = field(default_factory=list)  # changes that need a restart


@dataclass
class ScheduleOptions:
    spiders: list[str]
    db: str
    out: Path
    every: timedelta
    jitter_s: int = 0
    runs: int = 0  # stop after this many crawls (0: run until stopped)
    mirror: str | None = None
    base_urls: dict[str, str] | None = None
    wallet: Path | None = None
    stale_after: timedelta | None = None
    calendar: object = None  # advisor.business_days.Calendar from [calendar]; None: the default
    crawl_timeout_s: int = CRAWL_TIMEOUT_S
    # Reads config.toml again before each crawl (a user edits it under a
    # running schedule); raises UserError when it cannot be read or is wrong.
    reread: Callable[[], Reread] | None = None


def interval_text(every: timedelta) -> str:
    """"6 h", "30 min", "1.8 s": the interval as a person reads it."""
    seconds = every.total_seconds()
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def overall_verdict(reports: list[dict]) -> str:
    if not reports:
        return "failed"
    verdicts = {r["verdict"] for r in reports}
    if verdicts == {"ok"}:
        return "ok"
    return "failed" if "ok" not in verdicts else "degraded"


# How the log names a ScheduleOptions field read from config.toml.
_SETTING_NAMES = {"spiders": "sites", "stale_after": "stale_after_hours"}


class CrawlJob:
    """One scheduled run: crawl in a child process, log, rebuild the page."""

    def __init__(self, options: ScheduleOptions):
        self.options = options
        self.count = 0
        self.finished = 0
        self.not_ok = 0  # crawls that ended other than ok (or stopped on purpose)
        self.running: int | None = None  # number of the crawl in progress
        self.all_done = threading.Event()
        self.stopping = threading.Event()
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.next_run: callable = lambda: None
        self._told: set[str] = set()  # restart notes already logged

    def __call__(self) -> None:
        if self.stopping.is_set() or self.options.runs and self.count >= self.options.runs:
            return  # a tick that fired while the schedule was winding down
        self.count += 1
        n = self.running = self.count
        started = time.monotonic()
        try:
            self.refresh(n)
            log.info("crawl #%d started: %s", n, ", ".join(self.options.spiders))
            reports, problem = self.crawl()
            for r in reports:
                log.info("crawl #%d %s: %s, %d items, %d new observations%s", n, r["spider"],
                         r["verdict"], r["items"], r["new_observations"],
                         f" — {r['reason']}" if r.get("reason") else "")
            if self.stopping.is_set():
                verdict, problem = "stopped", None
            else:
                verdict = "failed" if problem else overall_verdict(reports)
            if verdict not in ("ok", "stopped"):
                self.not_ok += 1
            log.info("crawl #%d finished in %.1f s: %s%s", n, time.monotonic() - started, verdict,
                     f" — {problem}" if problem else "")
            if not self.stopping.is_set():
                self.rebuild(n)
        except Exception as exc:  # the schedule must outlive any one run
            self.not_ok += 1
            log.error("crawl #%d error: %s: %s", n, type(exc).__name__, exc)
        finally:
            self.running = None
            self.finished += 1
            if self.options.runs and self.finished >= self.options.runs:
                self.stopping.set()
                self.all_done.set()
            elif not self.stopping.is_set():
                nxt = self.next_run()
                if nxt:
                    log.info("next crawl at %s", on_app_clock(nxt).strftime("%Y-%m-%d %H:%M:%S"))

    def refresh(self, n: int) -> None:
        """Take config.toml as it is now. One that cannot be read (a half-saved
        edit) is one line, and this crawl uses the settings read before."""
        if self.options.reread is None:
            return
        try:
            fresh = self.options.reread()
        except UserError as exc:
            self.not_ok += 1
            log.error("crawl #%d: %s; this crawl uses the settings read before", n, exc)
            return
        changed = [_SETTING_NAMES.get(k, k) for k, v in fresh.options.items()
                   if getattr(self.options, k) != v]
        self.options = replace(self.options, **fresh.options)
        fresh.apply()
        if changed:
            log.info("crawl #%d: %s changed (%s): this crawl uses it", n, fresh.source, ", ".join(changed))
        for note in fresh.restart:
            if note not in self._told:
                self._told.add(note)
                log.warning("crawl #%d: %s: %s", n, fresh.source, note)

    def crawl(self) -> tuple[list[dict], str | None]:
        """Run the crawl in a child process; (reports, problem or None)."""
        from pointexit.catalog import point_values

        # The point values the schedule started with ([point_values], read once).
        args = {"spiders": self.options.spiders, "db": self.options.db,
                "mirror": self.options.mirror, "base_urls": self.options.base_urls,
                "settings": {"LOG_LEVEL": "ERROR"}, "point_values": point_values()}
        with self._lock:
            if self.stopping.is_set():
                return [], "stopped before it started"
            self._child = subprocess.Popen(
                [sys.executable, "-m", "pointexit.crawling", json.dumps(args)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        child = self._child
        try:
            out, err = child.communicate(timeout=self.options.crawl_timeout_s)
        except subprocess.TimeoutExpired:
            self._end_child(child)
            out, err = child.communicate()
            return [], f"timed out after {self.options.crawl_timeout_s} s (stopped)"
        finally:
            with self._lock:
                self._child = None
        if child.returncode != 0:
            last = [line for line in (err or "").splitlines() if line.strip()][-1:] or ["no output"]
            return [], f"crawl process exited with {child.returncode}: {last[0][:300]}"
        try:
            return json.loads(out.strip().splitlines()[-1]), None
        except (ValueError, IndexError):
            return [], "crawl process gave no report"

    def rebuild(self, n: int) -> None:
        from pointexit.page import WalletError, build_site
        from storage.engine import open_engine

        engine = open_engine(self.options.db, create=False)
        try:
            kwargs = {"stale_after": self.options.stale_after} if self.options.stale_after else {}
            try:
                built = build_site(engine, self.options.out, now_jst(), wallet=self.options.wallet,
                                   calendar=self.options.calendar, **kwargs)
            except WalletError as exc:
                # A wallet that went bad after start (a half-saved edit) must not
                # freeze the comparison page and the feed until it is fixed.
                self.not_ok += 1
                log.error("crawl #%d %s: page rebuilt without your plan", n, exc)
                built = build_site(engine, self.options.out, now_jst(), **kwargs)
        finally:
            engine.dispose()
        log.info("crawl #%d page rebuilt: %s (%d exits, %.0f KB), feed %s", n, built.index,
                 built.exit_rows, built.page_bytes / 1024, built.feed)

    def stop(self) -> None:
        """No new crawl; ask a running one to stop (SIGTERM: Scrapy closes the
        spiders and records the run), kill it if it does not."""
        self.stopping.set()
        with self._lock:
            child = self._child
        if child is not None and child.poll() is None:
            self._end_child(child)

    @staticmethod
    def _end_child(child: subprocess.Popen) -> None:
        child.terminate()
        try:
            child.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()


def _on_event(job: CrawlJob, every: timedelta):
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    def listen(event) -> None:
        due = (getattr(event, "scheduled_run_times", None) or [event.scheduled_run_time])[-1]
        at = on_app_clock(due).strftime("%H:%M:%S")
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("crawl due at %s skipped: crawl #%s is still running (it overran the "
                        "%s interval)", at, job.running, interval_text(every))
        elif event.code == EVENT_JOB_MISSED:
            log.warning("crawl due at %s missed (the scheduler was busy or asleep)", at)
    return listen


def crawl_trigger(every: timedelta, jitter_s: int, start: datetime):
    """Crawl k is due at start + k × every, shifted by up to ±jitter_s.

    APScheduler's own interval jitter only delays (0 … +jitter) and counts the
    next interval from the delayed time, so the crawls drifted later by half
    the jitter each time (6 h 5 min apart on average, not 6 h ± 10 min).
    Here each shift is drawn around a fixed grid; with the jitter under half
    the interval (the CLI's rule) two crawls never swap or meet."""
    import random

    from apscheduler.triggers.base import BaseTrigger

    every_s = every.total_seconds()

    class GridJitterTrigger(BaseTrigger):
        def get_next_fire_time(self, previous_fire_time, now):
            if previous_fire_time is None:
                slot = max(0, math.ceil((now - start).total_seconds() / every_s))
            else:  # the slot the previous crawl was shifted from, then the next one
                slot = round((previous_fire_time - start).total_seconds() / every_s) + 1
            shift = random.uniform(-jitter_s, jitter_s) if jitter_s else 0.0
            return (start + timedelta(seconds=slot * every_s + shift)).astimezone(JST)

        def __str__(self) -> str:
            return f"every {interval_text(every)} ±{jitter_s} s"

    return GridJitterTrigger()


def run_schedule(options: ScheduleOptions, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `options.runs` crawls). Returns 0, or 1 when
    a limited run (`--runs N`, cron's way) had a crawl that was not ok — as
    `pointexit crawl` does, so cron and scripts can tell."""
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = stop or threading.Event()
    job = CrawlJob(options)
    scheduler = BackgroundScheduler(timezone=JST)
    scheduler.add_listener(_on_event(job, options.every), EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    seconds = options.every.total_seconds()
    start = datetime.now(JST)
    scheduler.add_job(
        job, crawl_trigger(options.every, options.jitter_s, start),
        id="crawl", name="crawl", max_instances=1, coalesce=True,
        # A crawl that starts late still runs (once); only a whole interval late is "missed".
        misfire_grace_time=max(1, int(seconds)), next_run_time=start,
    )
    job.next_run = lambda: getattr(scheduler.get_job("crawl"), "next_run_time", None)

    def on_signal(signum, _frame):
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    from storage.engine import shown

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("schedule: every %s (jitter ±%d s), %d spider(s) into %s, page in %s; "
             "Ctrl-C or SIGTERM stops", interval_text(options.every), options.jitter_s, len(options.spiders),
             shown(options.db), options.out)  # a URL's password is never printed
    scheduler.start()
    try:
        while not stop.wait(0.2) and not job.all_done.is_set():
            pass
    finally:
        scheduler.pause()
        if job.running:
            log.info("stopping crawl #%d", job.running)
        job.stop()
        scheduler.shutdown(wait=True)
        for s, handler in previous.items():
            signal.signal(s, handler)
    log.info("schedule stopped after %d crawl(s)", job.finished)
    return 1 if options.runs and job.not_ok else 0


def configure_logging(verbose: bool = False) -> None:
    """Timestamped lines in Japan's time on stderr (journald and cron mail keep them),
    from the app's clock: a pinned POINTEXIT_NOW dates them as it dates the page."""
    from pointexit.clock import at_jst

    class JstFormatter(logging.Formatter):
        def formatTime(self, record, datefmt=None):
            return at_jst(record.created).strftime("%Y-%m-%d %H:%M:%S")

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JstFormatter("%(asctime)s JST %(levelname)s %(message)s"))
    root = logging.getLogger("pointexit")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    # APScheduler's own lines repeat ours ("skipped: maximum number of running
    # instances"); keep only its errors.
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.ERROR)
