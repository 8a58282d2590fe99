"""`pointexit status` on a database written through the real Store at chosen times.

The week before FROZEN_NOW (Mon 2026-11-23 09:00 JST):

hapitas      11-16 ok (outside the window), 11-17 ok, 11-18 ok, 11-19 failed at
             06:00 then ok at 12:00, 11-20 no run, 11-21 ok, 11-22 ok,
             11-23 06:00 degraded with 3 items (8 before) and parse rate 66.66 %
moppy        first crawled 11-22 (ok); no run yet today
gendama      11-23 05:00 failed on HTTP 429
pointincome  11-23 07:00 login_required
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pointexit.clock import JST
from storage.engine import open_engine
from storage.records import ExitSeen, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW


def at(day: int, hour: int):
    return FROZEN_NOW.replace(day=day, hour=hour, minute=0)


def outcome(verdict, items, parse_bp=10_000, reason=None):
    valid = items * parse_bp // 10_000
    return RunOutcome(verdict, reason, items, valid, items - valid, 0 if verdict != "failed" else 1,
                      parse_bp if items else None)


def exit_seen(site, when):
    return ExitSeen(site=site, destination="amazon_gift", label="Amazonギフトカード",
                    points_in=500, value_out=500, source_url=f"https://{site}.example/exchange/",
                    seen_at=when)


RUNS = [
    ("hapitas", at(16, 6), outcome("ok", 8)),
    ("hapitas", at(17, 6), outcome("ok", 8)),
    ("hapitas", at(18, 6), outcome("ok", 8)),
    ("hapitas", at(19, 6), outcome("failed", 0, reason="no_page: どのページも取得できませんでした (HTTP 404)")),
    ("hapitas", at(19, 12), outcome("ok", 8)),
    ("hapitas", at(21, 6), outcome("ok", 8)),
    ("hapitas", at(22, 6), outcome("ok", 8)),
    ("hapitas", at(23, 6), outcome("degraded", 3, 6_666, reason="too_few_items: 項目が3件だけです")),
    ("moppy", at(22, 7), outcome("ok", 5)),
    ("gendama", at(23, 5), outcome("failed", 0, reason="http_429: サイトからアクセス過多")),
    ("pointincome", at(23, 7), outcome("login_required", 0, reason="login_required: ログイン画面")),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("status") / "status.db")
    store = Store(open_engine(path))
    for site, when, result in RUNS:
        run = store.begin_run(site, site, when)
        exits = [exit_seen(site, when + timedelta(minutes=1))] if result.verdict == "ok" else []
        store.finish_run(run, result, when + timedelta(minutes=2), exits)
    store.engine.dispose()
    return path


@pytest.fixture(scope="module")
def report(db):
    from pointexit.cli.status import build_status

    spiders, sites = build_status(open_engine(db, create=False), FROZEN_NOW)
    return {s.spider: s for s in spiders}, {s.site: s for s in sites}


def codes(flags):
    return [f.code for f in flags]


def test_every_spider_that_ran_is_listed(report):
    spiders, sites = report
    assert sorted(spiders) == ["gendama", "hapitas", "moppy", "pointincome"]
    assert sorted(sites) == ["gendama", "hapitas", "moppy", "pointincome"]


def test_last_run_of_a_spider(report):
    last = report[0]["hapitas"].last_run
    assert (last["verdict"], last["items"], last["valid_items"], last["parse_rate_bp"]) == (
        "degraded", 3, 1, 6_666)
    assert last["started_at"] == "2026-11-23T06:00:00+09:00"
    assert last["finished_at"] == "2026-11-23T06:02:00+09:00"


def test_items_under_half_of_the_previous_run_are_flagged(report):
    hapitas = report[0]["hapitas"]
    assert hapitas.previous_items == 8
    assert codes(hapitas.flags) == ["items_halved"]
    assert hapitas.flags[0].message == "項目数が前回の半分未満です (8件 → 3件)"


def test_age_of_the_newest_data_is_the_last_ok_run(report):
    hapitas = report[0]["hapitas"]
    # the 11-22 06:00 run saw its values at 06:01; now is 11-23 09:00
    assert hapitas.newest_data_at == "2026-11-22T06:01:00+09:00"
    assert hapitas.newest_data_age_seconds == 26 * 3600 + 59 * 60


def test_a_spider_without_any_ok_run_has_no_data_age(report):
    assert report[0]["gendama"].newest_data_age_seconds is None


def test_as_of_a_past_time_later_runs_and_sightings_do_not_count(db):
    """--now two days before: the spider table showed the 11-23 runs, and data
    seen 11-22 gave a negative age."""
    from pointexit.cli.status import build_status

    spiders, sites = build_status(open_engine(db, create=False), at(21, 9))
    spiders = {s.spider: s for s in spiders}
    assert sorted(spiders) == [s.site for s in sites] == ["hapitas"]  # the rest began later
    hapitas = spiders["hapitas"]
    assert (hapitas.last_run["started_at"], hapitas.last_run["verdict"]) == (
        "2026-11-21T06:00:00+09:00", "ok")
    assert hapitas.previous_items == 8 and hapitas.flags == []
    # Its values were seen again on 11-22 (that minute overwrote 11-21's): the age
    # counts from when the 11-21 run had stored them.
    assert hapitas.newest_data_at == "2026-11-21T06:02:00+09:00"
    assert hapitas.newest_data_age_seconds == 2 * 3600 + 58 * 60
    assert (sites[0].days, sites[0].ok_days) == (6, 5)  # 11-16 … 11-21, none on 11-20


def test_a_run_stopped_on_purpose_is_not_flagged_for_its_few_items(tmp_path):
    from pointexit.cli.status import build_status

    store = Store(open_engine(str(tmp_path / "s.db")))
    for when, result in ((at(22, 6), outcome("ok", 8)),
                         (at(23, 6), outcome("degraded", 2, reason="stopped: 巡回が途中で止められました")),
                         (at(23, 7), outcome("degraded", 2, reason="too_few_items: 項目が2件だけです"))):
        store.finish_run(store.begin_run("hapitas", "hapitas", when), result, when + timedelta(minutes=2))
    engine = store.engine
    [stopped], _ = build_status(engine, at(23, 6) + timedelta(minutes=30))
    assert stopped.previous_items == 8 and stopped.flags == []
    # The next run is compared with the last one that was not stopped.
    [halved], _ = build_status(engine, at(23, 9))
    assert halved.previous_items == 8 and codes(halved.flags) == ["items_halved"]
    engine.dispose()


def test_a_429_run_is_flagged_aborted(report):
    assert codes(report[0]["gendama"].flags) == ["aborted"]


def test_seven_day_success_counts_days_with_an_ok_run(report):
    hapitas = report[1]["hapitas"]
    # window 11-17..11-23: ok on 17, 18, 19 (the later run), 21, 22; 20 no run; 23 degraded
    assert (hapitas.days, hapitas.ok_days, hapitas.success_rate_bp) == (7, 5, 7_142)
    assert hapitas.days_without_run == ["2026-11-20"]


def test_a_day_one_of_the_sites_spiders_failed_is_not_a_success(tmp_path):
    # hapitas ok beside hapitas_shopping failing every day showed 100 % and 問題なし.
    from pointexit.cli.status import build_status

    store = Store(open_engine(str(tmp_path / "s.db")))
    for day in (21, 22, 23):
        when = at(day, 6)
        store.finish_run(store.begin_run("hapitas", "hapitas", when), outcome("ok", 8), when)
        shopping = outcome("ok" if day == 21 else "failed", 1 if day == 21 else 0)
        store.finish_run(store.begin_run("hapitas_shopping", "hapitas", when), shopping, when)
    _, [site] = build_status(store.engine, at(23, 9))
    assert (site.days, site.ok_days, site.success_rate_bp) == (3, 1, 3_333)
    assert codes(site.flags) == ["success_rate_low"]
    store.engine.dispose()


def test_site_flags(report):
    hapitas = report[1]["hapitas"]
    assert [(f.code, f.message) for f in hapitas.flags] == [
        ("no_run", "巡回のなかった日: 11/20"),
        ("parse_rate_low", "解析率 66.66% (目標 99%以上)"),
        ("success_rate_low", "7日中5日だけ成功 (71.42%、目標 95%以上)"),
    ]


def test_a_new_site_is_judged_only_since_its_first_run_and_today_waits_for_its_run(report):
    moppy = report[1]["moppy"]
    assert (moppy.days, moppy.ok_days, moppy.success_rate_bp) == (1, 1, 10_000)
    assert moppy.days_without_run == [] and moppy.flags == []
    assert moppy.parse_rate_bp == 10_000


def test_a_login_wall_day_is_not_a_success(report):
    pointincome = report[1]["pointincome"]
    assert (pointincome.days, pointincome.ok_days, pointincome.success_rate_bp) == (1, 0, 0)
    assert pointincome.parse_rate_bp is None  # no item: nothing to parse
    assert codes(pointincome.flags) == ["success_rate_low"]


def test_later_the_same_day_today_without_a_run_counts_as_missed_only_tomorrow(db):
    from pointexit.cli.status import build_status

    _, sites = build_status(open_engine(db, create=False), FROZEN_NOW + timedelta(days=1))
    moppy = {s.site: s for s in sites}["moppy"]
    # 11-24: today has no run yet (not counted); 11-23 had none: missed
    assert (moppy.days, moppy.ok_days, moppy.days_without_run) == (2, 1, ["2026-11-23"])


def test_status_json_from_the_command_line(db, cli):
    proc = cli("status", "--json", "--db", db, "--now", "2026-11-23T09:00")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["now"] == "2026-11-23T09:00:00+09:00"
    spider = {s["spider"]: s for s in data["spiders"]}["hapitas"]
    assert spider["newest_data_age_seconds"] == 26 * 3600 + 59 * 60
    assert spider["flags"] == [{"code": "items_halved", "message": "項目数が前回の半分未満です (8件 → 3件)"}]
    site = {s["site"]: s for s in data["sites"]}["hapitas"]
    assert {k: site[k] for k in ("days", "ok_days", "success_rate_bp", "parse_rate_bp")} == {
        "days": 7, "ok_days": 5, "success_rate_bp": 7_142, "parse_rate_bp": 6_666}


def test_status_table(db, cli):
    proc = cli("status", "--db", db, "--now", "2026-11-23T09:00")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "2026-11-23 06:00" in out and "degraded" in out and "1日前" in out
    assert "5/7日 (71.42%)" in out and "66.66%" in out
    assert "巡回のなかった日: 11/20" in out and "HTTP 429 で巡回を中断しました" in out
    assert "1/1日 (100.00%)" in out and "問題なし" in out


def _column_text(table: str, column: int) -> str:
    """One column of a Rich table's body, every line of it joined, without spaces
    (a fold at a space drops the space)."""
    cells = [ln.split("│")[1:-1] for ln in table.splitlines() if ln.startswith("│")]
    return "".join(row[column] for row in cells).replace(" ", "")


@pytest.mark.parametrize("width", [80, 60])
def test_the_status_tables_fold_long_cells_on_a_narrow_terminal(db, monkeypatch, width):
    """As `exits` does: on an 80-column terminal the reasons and flags were cut
    short with "…" (「HTTP 429 で巡回を …」, 「login_req…」); the table now
    carries what --json does."""
    import io

    from rich.console import Console

    import pointexit.cli.status as status

    buf = io.StringIO()
    monkeypatch.setattr(status, "console", lambda: Console(
        file=buf, width=width, highlight=False, emoji=False, soft_wrap=False))
    spiders, sites = status.build_status(open_engine(db, create=False), FROZEN_NOW)
    status.print_status(spiders, sites, FROZEN_NOW)
    spider_table, site_table = buf.getvalue().split("サイトの状態")
    assert "…" not in buf.getvalue()

    def joined(texts):
        return "".join(texts).replace(" ", "")

    notes = [" / ".join([f.message for f in s.flags] + ([s.last_run["reason"]] if s.last_run["reason"] else []))
             for s in spiders]
    assert _column_text(spider_table, 0) == joined(s.spider for s in spiders)
    assert _column_text(spider_table, 2) == joined(s.last_run["verdict"] for s in spiders)
    assert _column_text(spider_table, 6) == joined(notes)
    assert _column_text(site_table, 0) == joined(s.site_name for s in sites)
    assert _column_text(site_table, 3) == joined(" / ".join(f.message for f in s.flags) or "問題なし"
                                                 for s in sites)


def test_on_an_80_column_terminal_each_last_run_time_stays_on_one_line(db, monkeypatch, capsys):
    """With COLUMNS=80 the time folded into "2026-11-23" over "06:00"; the
    other columns fold (as above), the time does not."""
    import io
    import re
    import sys
    from datetime import datetime

    import pointexit.cli.status as status

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("COLUMNS", "80")
    spiders, sites = status.build_status(open_engine(db, create=False), FROZEN_NOW)
    status.print_status(spiders, sites, FROZEN_NOW)
    out = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue())
    spider_table = out.split("サイトの状態")[0]
    assert max(map(len, out.splitlines())) == 80  # it did fill the terminal
    cells = [ln.split("│")[2].strip() for ln in spider_table.splitlines() if ln.startswith("│")]
    assert [c for c in cells if c] == [
        datetime.fromisoformat(s.last_run["started_at"]).strftime("%Y-%m-%d %H:%M") for s in spiders]


@pytest.mark.parametrize("args, message", [
    (["--now", "yesterday"], "bad --now 'yesterday'"),
    (["--now", "9999-12-31T23:59-05:00"], "bad --now '9999-12-31T23:59-05:00': out of range (1900–2999)"),
    (["--now", "0001-01-01T00:00"], "bad --now '0001-01-01T00:00': out of range (1900–2999)"),
])
def test_bad_now_is_a_one_line_error(db, cli, args, message):
    proc = cli("status", "--db", db, *args)
    assert proc.returncode == 2 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_now_is_a_usage_error_not_the_current_time(db, cli, value):
    """`--now "$WHEN"` with the variable unset reported as of now."""
    proc = cli("status", "--db", db, "--now", value)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--now: empty time" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_spider_names_and_verdicts_from_another_writer_print_as_written(tmp_path, cli):
    """Like scraped text, what another writer left in crawl_run (a shared
    PostgreSQL, an older pointexit) neither acts on the terminal nor breaks
    the table: markup in it was an internal error (exit 1), an escape
    sequence reached the terminal."""
    path = str(tmp_path / "hostile.db")
    store = Store(open_engine(path))
    for spider, verdict in (("hap[/]itas", "ok"), ("moppy\x1b[2J", "[/red]\x07")):
        run = store.begin_run(spider, "hapitas", at(23, 6))
        store.finish_run(run, outcome(verdict, 1), at(23, 7), [exit_seen("hapitas", at(23, 6))])
    store.engine.dispose()
    proc = cli("status", "--db", path, "--now", "2026-11-23T09:00")
    assert proc.returncode == 0, proc.stderr
    assert "hap[/]itas" in proc.stdout and "moppy\\x1b[2J" in proc.stdout
    assert "[/red]\\x07" in proc.stdout and "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_spaces_around_now_are_read_as_at_is(cli, db):
    spaced = cli("status", "--json", "--db", db, "--now", " 2026-11-23T09:00 ")
    plain = cli("status", "--json", "--db", db, "--now", "2026-11-23T09:00")
    assert spaced.returncode == plain.returncode == 0, spaced.stderr
    assert json.loads(spaced.stdout) == json.loads(plain.stdout)


def test_missing_database(cli, tmp_path):
    proc = cli("status", "--db", str(tmp_path / "none.db"))
    assert proc.returncode == 2 and "no database at" in proc.stderr


def test_status_after_a_real_crawl(cli, recorded_server, tmp_path):
    db = str(tmp_path / "real.db")
    assert cli("crawl", "hapitas", "--base-url", recorded_server.base_url("hapitas"),
               "--db", db).returncode == 0
    data = json.loads(cli("status", "--json", "--db", db).stdout)
    spiders = {s["spider"]: s for s in data["spiders"]}
    # `crawl hapitas` runs every spider of the site: its exchange page and its listing
    assert sorted(spiders) == ["hapitas", "hapitas_shopping"]
    spider = spiders["hapitas"]
    assert (spider["last_run"]["verdict"], spider["last_run"]["items"]) == ("ok", 9)
    assert spider["last_run"]["started_at"].endswith("+09:00")
    [site] = data["sites"]
    assert (site["days"], site["ok_days"], site["parse_rate_bp"], site["flags"]) == (
        1, 1, 10_000, [])


def test_times_are_read_back_in_tokyo(report):
    seen = report[0]["moppy"].newest_data_at
    assert seen == at(22, 7).replace(minute=1).astimezone(JST).isoformat()


def test_status_help_lists_now(cli):
    """The README documents `status --now`; --help hid it."""
    proc = cli("status", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--now" in proc.stdout
