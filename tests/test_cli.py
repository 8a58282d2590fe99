"""The `pointexit` command as a user runs it (subprocesses, real files)."""

import json
import re
import sys
import subprocess

import pytest

from tests.conftest import ROOT

# The demo crawls on the clock's day; these plans for 2026-11-23 are made on
# its market as if that day were today (a past --today reads the market as
# stored by the end of that day, before the crawl).
ON_PLAN_DAY = {"POINTEXIT_NOW": "2026-11-23T09:00"}

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One demo run shared by the read-only command tests."""
    tmp = tmp_path_factory.mktemp("demo")
    db = str(tmp / "demo.db")
    from tests.conftest import run_cli

    proc = run_cli("demo", "--db", db, env={"POINTEXIT_DATA_DIR": str(tmp / "data")})
    assert proc.returncode == 0, proc.stderr
    return db, proc


def test_demo_prints_a_comparison_and_a_recommendation(demo_db):
    _, proc = demo_db
    assert "hapitas" in proc.stdout and " ok" in proc.stdout
    assert "Amazonギフトカード" in proc.stdout and "490pt → 500円" in proc.stdout
    # ¥2,400 from 3,210 pt: 4 × 490 pt direct (¥2,000; the 2 % campaign is
    # already in the listed rate) plus 400 pt through PeX (¥400) is 2,360 pt;
    # direct alone would be 2,450 pt.
    # Read from the plan's own lines: the comparison table above it also shows
    # "1,960pt" (Pointtown's rate) and a PeX row, whatever the plan says.
    lines = proc.stdout.splitlines()
    assert [ln for ln in lines if ln.startswith(("今日の申請:", "残高:"))] == [
        "今日の申請: ハピタス ハピタス → Amazonギフトカード 1,960pt → ¥2,000",
        "今日の申請: ハピタス ハピタス → PeX → Amazonギフトカード 400pt → ¥400",
        "残高: ハピタス 850pt",
    ], proc.stdout
    assert "Traceback" not in proc.stderr


def test_demo_names_its_sample_wallet_in_words(demo_db):
    """Not as a Python dict: {'hapitas': 3210}."""
    _, proc = demo_db
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("サンプルの財布")]
    assert re.fullmatch(r"サンプルの財布: ハピタス 3,210pt、予定: \d{4}-\d\d-\d\d に ¥2,400", line), line


def _real_database(path) -> bytes:
    """A database holding one real crawl (of the user's own), as bytes to compare."""
    from storage.engine import open_engine
    from storage.records import RunOutcome
    from storage.store import Store
    from tests.conftest import FROZEN_NOW

    store = Store(open_engine(str(path)))
    run = store.begin_run("hapitas", "hapitas", FROZEN_NOW)
    store.finish_run(run, RunOutcome("ok", None, 0, 0, 0, 0, None), FROZEN_NOW)
    store.engine.dispose()
    return path.read_bytes()


def test_demo_defaults_to_a_demo_file_in_the_data_dir_never_pointexit_db(cli, tmp_path):
    # The README has users `export POINTEXIT_DB=…` for their real database:
    # the demo wrote the recorded pages' values into it as its newest.
    real = tmp_path / "real.db"
    before = _real_database(real)
    proc = cli("demo", env={"POINTEXIT_DB": str(real)})
    assert proc.returncode == 0, proc.stderr
    assert real.read_bytes() == before
    assert (tmp_path / "data" / "demo.db").exists()
    assert not (tmp_path / "data" / "pointexit.db").exists()
    from storage.engine import demo_database_state, open_engine

    assert demo_database_state(open_engine(str(tmp_path / "data" / "demo.db"), create=False)) == "demo"


def test_demo_help_and_errors_never_name_pointexit_db_as_its_default(cli):
    """demo never uses $POINTEXIT_DB (README: "`demo.db` there unless `--db`
    names another"); its --help and its empty --db error said it did."""
    proc = cli("demo", "--help")
    assert proc.returncode == 0, proc.stderr
    help_text = " ".join(proc.stdout.split())
    assert "default: $POINTEXIT_DB" not in help_text and "demo.db" in help_text, proc.stdout
    proc = cli("demo", "--db", "")
    assert proc.returncode == 2 and "POINTEXIT_DB" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("pointexit: error: --db: empty path"), proc.stderr


def test_demo_refuses_a_database_of_real_crawls(cli, tmp_path):
    real = tmp_path / "real.db"
    before = _real_database(real)
    proc = cli("demo", "--db", str(real))
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"pointexit: error: --db {real} holds real crawls: the demo would add the recorded pages' values "
        "to them (leave --db out for the demo database, or give a new file)"), proc.stderr
    assert real.read_bytes() == before


def test_exits_json_is_exact(demo_db, cli):
    db, _ = demo_db
    proc = cli("exits", "--destination", "amazon_gift", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    # The demo crawls every spider; Hapitas's is the one this test knows exactly.
    [amazon] = [e for e in json.loads(proc.stdout) if e["site"] == "hapitas"]
    assert (amazon["points_in"], amazon["value_out"]) == (490, 500)
    assert amazon["yen_per_point"] == "1.0204"
    assert (amazon["minimum_points"], amazon["step_points"], amazon["fee_points"]) == (490, 490, 0)
    assert (amazon["lag_min_days"], amazon["lag_max_days"]) == (1, 3)
    assert amazon["age_seconds"] >= 0 and amazon["stale"] is False


def table_column(text: str, heading: str) -> list[str]:
    """One column of a Rich table, a row's folded lines joined (a row starts
    where the first column is not blank)."""
    lines = [ln for ln in text.splitlines() if ln.startswith(("┃", "│"))]
    cells = [[c.strip() for c in ln.split("┃" if ln.startswith("┃") else "│")[1:-1]] for ln in lines]
    at = cells[0].index(heading)
    rows: list[str] = []
    for row in cells[1:]:
        if row[0]:
            rows.append(row[at])
        else:
            rows[-1] += row[at]
    return rows


def test_the_exits_table_shows_every_label_whole_as_json_does(demo_db, cli):
    """ワラウ's 「楽天銀行・PayPay銀行・住信SBIネット銀行」 was cut to
    「楽天銀行・PayPay銀行・住信SBIネ …」 (on a narrower terminal every bank row)."""
    db, _ = demo_db
    table = cli("exits", "--db", db)
    data = json.loads(cli("exits", "--db", db, "--json").stdout)
    assert table.returncode == 0, table.stderr
    # (A fold at a space drops the space.)
    assert ([label.replace(" ", "") for label in table_column(table.stdout, "交換先")]
            == [e["label"].replace(" ", "") for e in data])


def test_exits_not_seen_for_48_hours_are_stale_as_on_the_page(demo_db, cli, tmp_path):
    """The page's rule ([page] stale_after_hours, 48 by default) holds in `exits` too:
    a value no crawl has confirmed for two days was shown with its age alone."""
    from datetime import datetime, timedelta

    db, _ = demo_db
    [hapitas] = [e for e in json.loads(cli("exits", "-d", "amazon_gift", "--json", "--db", db).stdout)
                 if e["site"] == "hapitas"]
    later = (datetime.fromisoformat(hapitas["last_seen"]) + timedelta(hours=49)).isoformat()
    at = {"POINTEXIT_NOW": later}
    rows = json.loads(cli("exits", "-d", "amazon_gift", "--json", "--db", db, env=at).stdout)
    assert {(r["stale"], r["stale_reason"]) for r in rows} == {(True, "最終確認が2日前")}
    table = cli("exits", "-d", "amazon_gift", "--db", db, env=at).stdout
    assert table.count("2日前 (古い)") == len(rows), table
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("[page]\nstale_after_hours = 72\n")
    rows = json.loads(cli("exits", "-d", "amazon_gift", "--json", "--db", db, env=at).stdout)
    assert {(r["stale"], r["stale_reason"]) for r in rows} == {(False, None)}


def test_exits_write_an_intermediarys_amounts_in_its_own_unit(demo_db, cli):
    db, _ = demo_db
    table = cli("exits", "-d", "amazon_gift", "--db", db).stdout
    assert "297マネー → 300円 " in table and "297pt" not in table, table


def test_exits_are_ranked_best_first(demo_db, cli):
    db, _ = demo_db
    rows = json.loads(cli("exits", "--json", "--db", db).stdout)
    rates = [r["return_rate"] for r in rows if r["return_rate"] is not None]
    assert rates == sorted(rates, reverse=True)
    assert len([r for r in rows if r["site"] == "hapitas"]) == 8
    assert rows[-1]["destination"] == "jal_mile"  # miles have no yen value: last


def test_exits_help_says_how_they_are_ranked(cli):
    """Ranked by 還元率 (the README's order and the table's): Pointtown's
    ¥0.051 per point ranks second, so "best yen per point first" was wrong."""
    proc = cli("exits", "--help")
    assert proc.returncode == 0, proc.stderr
    assert " ".join(proc.stdout.split()).startswith(
        "Usage: pointexit exits [OPTIONS] Compare every site's exits: best return (還元率) first, "
        "with yen per point, min, step, fee, lag and age.")


def test_exits_reads_pointexit_db_from_the_environment(demo_db, cli):
    db, _ = demo_db
    proc = cli("exits", "--json", env={"POINTEXIT_DB": db})
    assert proc.returncode == 0
    assert len([r for r in json.loads(proc.stdout) if r["site"] == "hapitas"]) == 8


def test_recommend_respects_minimum_step_and_balance(demo_db, cli):
    db, _ = demo_db
    proc = cli("recommend", "--db", db, "--balance", "hapitas=1234",
               "--spend", "2026-12-10:5000", "--today", "2026-11-23", "--json", env=ON_PLAN_DAY)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    [step] = plan["steps"]
    # 1,234 pt covers the most through dot money: 1,200 pt (100 pt steps) →
    # 1,200 マネー → 4 × 297 → ¥1,200 + the recorded 2 % dot money campaign =
    # ¥1,224 (two direct 490 pt steps would give only ¥1,020).
    assert step["route"] == ["hapitas", "dotmoney", "amazon_gift"]
    assert (step["points"], step["yen"]) == (1200, 1224)
    assert [(h["points"], h["units"]) for h in step["hops"]] == [(1200, 1200), (1188, 1224)]
    assert plan["left"] == {"hapitas": 34}
    assert plan["uncovered"] == [{"date": "2026-12-10", "yen": 3776}]
    # Hop 1 takes 3 business days, hop 2 five. Applied as late as Sun 11-29 the
    # gift would still arrive before the spend (12-09), but hop 2 would run on
    # 12-02, after dot money's +2 % ends (11-30): ¥1,200, not the ¥1,224
    # planned. Applied Wed 11-25, the units land Mon 11-30, inside it.
    assert step["apply_by"] == "2026-11-25"
    assert step["arrives_by"] == "2026-12-03"  # applied today (a holiday): 11-26, then 12-03


def test_recommend_exchanges_only_what_is_needed(demo_db, cli):
    db, _ = demo_db
    plan = json.loads(cli("recommend", "--db", db, "--balance", "hapitas=20000",
                          "--spend", "2026-12-10:1200", "--today", "2026-11-23", "--json",
                          env=ON_PLAN_DAY).stdout)
    # The cheapest cover of ¥1,200 costs 1,190 pt: 490 pt direct (¥500: the
    # 2 % campaign is already in Hapitas's listed rate, so it is not added
    # again) + 400 pt via PeX (¥400) + 300 pt via dot money (¥300), exactly
    # the need. Three direct steps (the old answer) would cost 1,470 pt.
    assert sum(s["points"] + s["fee_points"] for s in plan["steps"]) == 1190
    assert sum(s["yen"] for s in plan["steps"]) == 1200
    assert plan["uncovered"] == []


def test_recommend_writes_dot_moneys_amounts_in_its_own_unit(demo_db, cli):
    """The page writes 594マネー; the table, today's line and the balance wrote 594pt."""
    db, _ = demo_db
    proc = cli("recommend", "--db", db, "--balance", "dotmoney=700", "--spend", "2026-12-20:500",
               "--today", "2026-11-23", env=ON_PLAN_DAY)
    assert proc.returncode == 0, proc.stderr
    assert "594マネー" in proc.stdout and "残高: ドットマネー 106マネー" in proc.stdout, proc.stdout
    assert not re.search(r"\d+pt", proc.stdout), proc.stdout


def test_recommend_table_names_sources(demo_db, cli):
    db, _ = demo_db
    proc = cli("recommend", "--db", db, "--balance", "hapitas=3000", "--spend", "2026-12-10:1000",
               "--today", "2026-11-23", env=ON_PLAN_DAY)
    assert proc.returncode == 0
    assert "ハピタス" in proc.stdout and "出典" in proc.stdout and "/hapitas/exchange/" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["recommend", "--spend", "2026-12-10:-5"], "amount must be positive"),
    (["recommend", "--spend", "2026-12-10"], "expected DATE:YEN"),
    (["recommend", "--spend", "2026-13-45:500"], "expected a date"),
    (["recommend", "--balance", "nosuchsite=100"], "unknown site 'nosuchsite'"),
    (["recommend", "--balance", "hapitas=-1"], "cannot be negative"),
    (["recommend", "--balance", "hapitas=,"], "expected SITE=POINTS"),
    (["recommend", "--spend", "2026-12-10:,"], "amount must be whole yen"),
    (["recommend", "--spend", "2026-12-10:99999999999999999999999"], "at most ¥10,000,000"),
    (["recommend", "--spend", "2026-12-10:" + "9" * 5000], "at most ¥10,000,000"),
    (["recommend", "--balance", "hapitas=" + "9" * 5000], "too many digits"),
    (["recommend", "--today", "tomorrow"], "expected a date"),
    (["recommend", "--today", "0001-01-01"], "out of range"),
    (["recommend", "--today", "9999-12-31"], "out of range"),
    (["recommend", "--spend", "9999-12-31:500"], "out of range"),
    (["crawl", "nosuchsite"], "unknown site or spider 'nosuchsite'"),
    (["crawl", "hapitas", "--base-url", "ftp://x"], "bad base URL"),
    (["exits", "--destination", "gold"], "unknown destination"),
    (["campaigns", "--days", "99999999999"], "must be at most 36,500"),
    (["offers", "--days", "36501"], "must be at most 36,500"),
    (["exits", "--no-such-flag"], "No such option"),
])
def test_usage_errors_are_one_line_and_exit_2(cli, args, message):
    proc = cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


UNKNOWN_SPIDER = (
    "pointexit: error: unknown site or spider 'hapitas_shoping'; sites: chobirich, dotmoney, ecnavi, "
    "gendama, hapitas, lifemedia, moppy, pex, pointincome, pointtown, rakuten_rebates, warau; "
    "other spiders: hapitas_shopping, moppy_shopping, pointincome_shopping")


def test_a_misspelled_spider_lists_the_spider_names_too(cli):
    # `crawl` takes a site or a spider name (hapitas_shopping), but the error
    # listed only the sites, as if no spider name were accepted.
    proc = cli("crawl", "hapitas_shoping")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.strip() == UNKNOWN_SPIDER


# Were an empty value taken for "no option", the real sites would be crawled:
# the proxy on port 9 (nothing listens) keeps even that failure offline.
OFFLINE = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


@pytest.mark.parametrize("args, message", [
    (["hapitas", "--base-url", ""], "--base-url: bad base URL ''"),
    (["--mirror", ""], "--mirror: bad base URL ''"),
    (["hapitas", "--cookies", ""], "--cookies: empty path"),
])
def test_crawl_with_an_empty_url_or_cookie_file_is_a_usage_error(cli, tmp_path, args, message):
    """`--mirror "$MIRROR"` with the variable unset must not crawl the real sites."""
    db = tmp_path / "c.db"
    proc = cli("crawl", *args, "--db", str(db), env=OFFLINE)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "crawling" not in proc.stdout and not db.exists()


@pytest.mark.parametrize("args", [["exits"], ["status"], ["crawl", "hapitas", "--mirror", "http://127.0.0.1:9"]])
def test_an_empty_db_is_a_usage_error_not_the_default_database(cli, tmp_path, args):
    """`--db "$DB"` with the variable unset: were it "no option", `crawl`
    would write into the default database and the others read it."""
    proc = cli(*args, "--db", "", env=OFFLINE)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--db: empty path" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "pointexit.db").exists()


@pytest.mark.parametrize("option", ["-d", "--destination"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_destination_is_a_usage_error_not_every_destination(demo_db, cli, option, value):
    """`exits -d "$DEST"` with the variable unset listed every destination."""
    proc = cli("exits", option, value, "--db", demo_db[0])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--destination: empty value" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_today_is_a_usage_error_not_today(demo_db, cli, value):
    """`recommend --today "$DAY"` with the variable unset planned as of today."""
    proc = cli("recommend", "--today", value, "--balance", "hapitas=3210", "--db", demo_db[0])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--today: empty date" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_missing_database_is_one_line_exit_2(cli, tmp_path):
    proc = cli("exits", "--db", str(tmp_path / "missing.db"))
    assert proc.returncode == 2
    assert "no database at" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "missing.db").exists()


def test_unreadable_database_is_one_line_exit_2_and_untouched(cli, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("this is not a database\n" * 50)
    before = junk.read_bytes()
    for args in (["exits"], ["recommend", "--balance", "hapitas=1"], ["crawl", "hapitas"]):
        proc = cli(*args, "--db", str(junk))
        assert proc.returncode == 2, proc.stderr
        assert "not an SQLite file" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert junk.read_bytes() == before


def test_crawl_against_a_base_url(cli, recorded_server, tmp_path):
    db = str(tmp_path / "c.db")
    proc = cli("crawl", "hapitas", "--base-url", recorded_server.base_url("hapitas"), "--db", db)
    assert proc.returncode == 0, proc.stderr
    # 8 exits and the Amazon 2% campaign.
    assert "hapitas" in proc.stdout and "items   9" in proc.stdout and "ok" in proc.stdout


def test_recommend_does_not_import_crawler_scheduler_or_templates(demo_db):
    db, _ = demo_db
    code = (
        "import sys\n"
        "from pointexit.cli import main\n"
        f"rc = main(['recommend', '--db', {db!r}, '--balance', 'hapitas=1000', '--spend', '2026-12-10:500', '--json'])\n"
        "heavy = sorted(m for m in ('scrapy', 'apscheduler', 'jinja2', 'twisted') if m in sys.modules)\n"
        "others = sorted(m for m in sys.modules if m.startswith('pointexit.cli.')\n"
        "                and m not in ('pointexit.cli.app', 'pointexit.cli.recommend', 'pointexit.cli.safe_output'))\n"
        "print('HEAVY', heavy, rc, 'OTHERS', others, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY [] 0 OTHERS []" in proc.stderr, proc.stderr


def test_every_command_module_is_loaded_by_its_name():
    import re

    import typer.main

    from pointexit.cli import COMMANDS, app, load_commands

    registering = {p.stem for p in (ROOT / "pointexit" / "cli").glob("*.py")
                   if re.search(r"^@app\.command|^app\.add_typer", p.read_text(encoding="utf-8"), re.M)}
    assert set(COMMANDS) == registering
    load_commands([])
    assert set(typer.main.get_command(app).commands) == set(COMMANDS)


def test_help_lists_every_command_with_a_whole_first_sentence(cli):
    """Click cuts a command's summary at the first word ending in "." — an
    「(e.g.」 left `offers` described as "Amazon routing offers (e.g."."""
    proc = cli("--help")
    assert proc.returncode == 0, proc.stderr
    summaries = dict(re.findall(r"^  (\w+) +(.+)$", proc.stdout, re.M))
    assert set(summaries) >= {"crawl", "exits", "offers", "campaigns", "page"}
    assert summaries["offers"] == "Amazon routing offers (such as Amazon Fashion 0.5–1 %): on..."
    assert not [name for name, text in summaries.items() if text.endswith(".") and not text.endswith("...")]


# argv's, each run as Click would run it, and help_requested's reading of it.
HELP_ARGVS = [
    [], ["--help"], ["-h"], ["--"], ["--", "--help"], ["--", "--", "--help"], ["--help", "recommend"],
    ["nosuchcommand", "--help"],
    ["recommend", "--help"], ["recommend", "-h"], ["recommend", "--", "--help"],
    ["recommend", "--wallet", "--help"], ["recommend", "--wallet", "-h"], ["recommend", "--wallet=--help"],
    ["recommend", "--balance", "warau=1", "--help"], ["recommend", "--help", "--no-such-flag"],
    ["recommend", "--no-such-flag", "--help"], ["recommend", "--help=yes"],
    ["wallet"], ["wallet", "--"], ["--", "wallet"], ["wallet", "init"], ["wallet", "--help"], ["wallet", "--", "--help"], ["wallet", "--help", "init"], ["wallet", "nosuch", "--help"],
    ["wallet", "init", "--help"], ["wallet", "init", "--path", "--help"], ["wallet", "init", "--", "--help"],
    ["wallet", "check", "--help"], ["crawl", "-v", "--help"], ["crawl", "-vh"], ["crawl", "--", "--help"],
    ["exits", "-d", "--help"], ["exits", "-dh"], ["page", "-o", "-h"], ["status"],
    ["wallet", "-h"], ["wallet", "init", "-h"], ["wallet", "check", "--path", "w.toml", "-h"], ["crawl", "-hv"],
    ["schedule", "-vh"], ["exits", "-d", "bank", "-h"], ["recommend", "-h", "--no-such-flag"], ["--", "-h"],
]


def _click_run(argv: list[str], capsys) -> tuple[int, str, str]:
    """The real Click command run as the installed `pointexit` runs it
    (standalone), each command's body replaced by a no-op since only the
    reading of argv is in question: its exit code, stdout and stderr."""
    import typer.main

    from pointexit.cli import app, load_commands

    def stub(command):
        command.callback = lambda *args, **kwargs: None
        for sub in getattr(command, "commands", {}).values():
            stub(sub)

    load_commands([])
    command = typer.main.get_command(app)
    stub(command)
    capsys.readouterr()
    try:
        command.main(args=list(argv), prog_name="pointexit", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except Exception:  # a parameter's own check (pointexit.errors.UserError): no help
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def _click_shows_help(argv: list[str], capsys) -> bool:
    _, out, err = _click_run(argv, capsys)
    return "Show this message and exit." in out + err


@pytest.mark.parametrize("argv", HELP_ARGVS, ids=lambda argv: " ".join(argv) or "(none)")
def test_help_requested_reads_argv_as_click_does_and_prints_nothing(argv, capsys):
    """main skips config.toml when help_requested says Click shows help: it
    said no to `pointexit -- --help` (Click parses a command word that reads
    as an option once more as the app's options), and printed that help
    while deciding — twice in all, or once before a config error."""
    from pointexit.cli import help_requested, load_commands

    load_commands([])
    decided = help_requested(list(argv))
    assert capsys.readouterr() == ("", "")
    assert decided == _click_shows_help(argv, capsys)


BROKEN_CONFIGS = {"not TOML": "this is [not toml\n", "a bad value": '[point_values]\nwarau = "abc"\n',
                  "not UTF-8": b"\xff\xfe[x", "a directory": None}


@pytest.fixture(params=list(BROKEN_CONFIGS))
def broken_config(request, tmp_path, cli):
    """A config.toml that stops every run reading it, in the cli fixture's config dir."""
    path, content = tmp_path / "config" / "config.toml", BROKEN_CONFIGS[request.param]
    path.parent.mkdir(exist_ok=True)
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    proc = cli("status")
    assert proc.returncode == 2 and "pointexit: error:" in proc.stderr, proc.stderr
    return path


def test_a_group_given_nothing_more_shows_its_help_whatever_the_config_says(cli, broken_config):
    """`pointexit wallet` is help (no_args_is_help), but help_requested looked
    for a `--help` first, so a broken config.toml stopped it."""
    proc = cli("wallet")
    assert "Usage: pointexit wallet [OPTIONS] COMMAND" in proc.stderr, proc.stderr
    assert "config" not in proc.stderr and "init" in proc.stderr, proc.stderr


@pytest.mark.parametrize("args", [[], ["wallet"]], ids=["pointexit", "pointexit wallet"])
def test_a_group_given_nothing_more_prints_its_whole_help_as_click_does(cli, args, capsys):
    """Bare `pointexit` printed its help squashed into one
    "pointexit: error: Usage: … Options: … Commands: …" line."""
    proc = cli(*args)
    click_says = _click_run(args, capsys)
    assert (proc.returncode, proc.stdout, proc.stderr) == click_says
    assert proc.returncode in (0, 2) and "pointexit: error" not in proc.stdout + proc.stderr
    help_text = proc.stdout + proc.stderr
    assert help_text.startswith(f"Usage: {' '.join(['pointexit', *args])} [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nCommands:\n" in help_text and help_text == cli(*args, "--help").stdout


@pytest.mark.parametrize("broken_config", ["not TOML"], indirect=True)
@pytest.mark.parametrize("args", [[], ["recommend"], ["wallet"], ["wallet", "init"], ["crawl", "-v"]],
                         ids=lambda args: " ".join(["pointexit", *args]))
def test_dash_h_is_help_as_dash_dash_help_is_whatever_the_config_says(cli, broken_config, args):
    """`-h` was no option at all (`No such option: -h`, once the broken
    config.toml let the run get that far)."""
    words = [*args[:-1], args[-1] + "h"] if args and args[-1].startswith("-") else [*args, "-h"]
    proc = cli(*words)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == cli(*[a for a in args if a != "-v"], "--help").stdout
    assert proc.stdout.startswith(f"Usage: {' '.join(['pointexit', *[a for a in args if a != '-v']])} ")
    assert "-h, --help" in proc.stdout


@pytest.mark.parametrize("args", [["--help", "recommend"], ["-h", "wallet", "init"], ["--", "--help", "exits"]])
def test_the_apps_help_lists_every_command_whatever_word_follows(cli, args):
    """Only the module of the first word that was no option was loaded, so
    `pointexit --help recommend` listed `recommend` alone."""
    proc = cli(*args)
    assert proc.returncode == 0 and proc.stdout == cli("--help").stdout, proc.stdout


def test_scrapy_list_from_the_repository_root():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "hapitas" in proc.stdout.split()


def test_scrapy_crawl_with_base_url(recorded_server, tmp_path):
    db = str(tmp_path / "s.db")
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "hapitas", "-a",
         f"base_url={recorded_server.base_url('hapitas')}", "-s", f"POINTEXIT_DB={db}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "'pointexit/verdict': 'ok'" in proc.stderr
    assert "'pointexit/new_observations': 9" in proc.stderr  # 8 exits + the campaign


def test_a_large_spend_through_dot_money_is_planned_in_bounded_memory(demo_db, tmp_path, monkeypatch, capsys):
    """The planner's read-back once kept two int64 tables per pass over a run
    of options, and a dot money chain has a run per ~¥1,000 of need: memory
    grew with the square of the spend (¥250,000: over 1 GB; ¥1,000,000: 16 GB)."""
    import tracemalloc

    from pointexit.cli import main

    db, _ = demo_db
    monkeypatch.setenv("POINTEXIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POINTEXIT_NOW", ON_PLAN_DAY["POINTEXIT_NOW"])
    tracemalloc.start()
    try:
        code = main(["recommend", "--db", db, "--balance", "moppy=500000", "--spend", "2026-12-20:250000",
                     "--today", "2026-11-23", "--json"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["uncovered"] == [] and sum(s["yen"] for s in plan["steps"]) >= 250_000
    assert peak < 150 * 2**20, f"peak {peak >> 20} MB"


@pytest.mark.parametrize("args", [
    ["recommend", "--balance", "hapitas=1000", "--spend", "2026-12-10:500"],
    ["page", "--out", "{tmp}/page"],
    ["exits"],
    ["status"],
    ["schedule", "hapitas", "--out", "{tmp}/page", "--runs", "1"],
])
def test_each_command_reads_config_toml_once(demo_db, tmp_path, monkeypatch, capsys, args):
    """`recommend` read it for [point_values] and again for [calendar]; `page`
    and `schedule` three times, and `schedule` once more on each rebuild."""
    from pointexit import schedule, small_files
    from pointexit.cli import main
    from pointexit.wallet import write_example

    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('[calendar]\nyear_end = ["12-28", "01-05"]\n'
                                        '[page]\nstale_after_hours = 72\n', encoding="utf-8")
    write_example(config / "wallet.toml")  # the default wallet: the page plans a personal section
    monkeypatch.setenv("POINTEXIT_CONFIG_DIR", str(config))
    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(tmp_path / "data"))
    reads = []
    read_text = small_files.read_text
    monkeypatch.setattr(small_files, "read_text", lambda path, encoding: (
        reads.append(path) if path.name == "config.toml" else None, read_text(path, encoding))[1])
    rebuilt = []

    def one_rebuild(options):  # instead of crawling: what each crawl is followed by
        job = schedule.CrawlJob(options)
        job.rebuild(1)
        rebuilt.append(options.calendar.year_end)
        return 0

    monkeypatch.setattr(schedule, "run_schedule", one_rebuild)
    monkeypatch.setattr(schedule, "configure_logging", lambda verbose: None)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main([*args, "--db", demo_db[0]]) == 0, capsys.readouterr().err
    assert reads == [config / "config.toml"]
    assert rebuilt == ([((12, 28), (1, 5))] if args[0] == "schedule" else [])


@pytest.mark.parametrize("config, message", [
    ('[calendar]\nyear_end = ["12-29"]\n',
     '[calendar] year_end must be the break\'s first and last day as ["12-29", "01-03"] (or [] for none), '
     "not ['12-29']"),
    ("calendar = 5\n", "calendar must be a table ([calendar]), not 5"),
    ('[point_values]\nwarau = "abc"\n',
     '[point_values] warau must be yen per point from 0.001 to 100 ("0.1", "1/20"), not \'abc\''),
])
@pytest.mark.parametrize("command", [["recommend", "--balance", "hapitas=490", "--wallet", "{tmp}/no-wallet.toml"],
                                     ["page", "--out", "{tmp}/page", "--wallet", "{tmp}/no-wallet.toml"],
                                     ["schedule", "--out", "{tmp}/page", "--wallet", "{tmp}/no-wallet.toml"]])
def test_a_bad_calendar_or_point_value_is_the_same_line_in_every_command(cli, tmp_path, config, message, command):
    """`recommend` read [calendar] only after the wallet and the database: with
    either missing it named that instead, where `page` and `schedule` named the config."""
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "config.toml"
    path.write_text(config, encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    proc = cli(*args, "--db", str(tmp_path / "missing.db"), env=OFFLINE)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"pointexit: error: config {path}: {message}\n")
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "page").exists()


@pytest.mark.parametrize("value", ["", " "])
@pytest.mark.parametrize("variable, args, default", [
    ("POINTEXIT_DB", ["exits"], "the default database"),
    ("POINTEXIT_DB", ["recommend", "--balance", "hapitas=490"], "the default database"),
    ("POINTEXIT_DB", ["crawl", "hapitas", "--mirror", "http://127.0.0.1:9"], "the default database"),
    ("POINTEXIT_DATA_DIR", ["status"], "the user data dir"),
    ("POINTEXIT_DATA_DIR", ["page"], "the user data dir"),
    ("POINTEXIT_CONFIG_DIR", ["exits"], "the user config dir"),
    ("POINTEXIT_CONFIG_DIR", ["wallet", "check"], "the user config dir"),
])
def test_an_empty_path_variable_is_a_usage_error_not_the_default(cli, tmp_path, variable, args, default, value):
    """`POINTEXIT_DB="$DB"` with DB unset: as `--db ""` is, a usage error, not
    the default database (which `crawl` would have written into)."""
    proc = cli(*args, env={**OFFLINE, variable: value})
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2, "", f"pointexit: error: {variable}: empty path (unset it for {default})\n")
    assert not (tmp_path / "data").exists()


def test_an_empty_pointexit_db_is_not_read_when_db_is_given(demo_db, cli):
    proc = cli("exits", "--db", demo_db[0], "--json", env={"POINTEXIT_DB": ""})
    assert proc.returncode == 0, proc.stderr


def test_schedule_help_names_every_default_of_out(cli):
    """schedule writes the page to [schedule] out before [page] out (README's
    config.toml has both); its --help, shared with `page`, named only [page]
    out. And the jitter's default is 600 or a quarter of a shorter interval,
    not "at most a quarter of the interval" (an option may ask for up to half)."""
    proc = cli("schedule", "--help")
    assert proc.returncode == 0, proc.stderr
    help_text = " ".join(proc.stdout.split())
    assert ("(default: [schedule] out in config.toml, else [page] out, else the user data dir's page/)"
            in help_text), proc.stdout
    assert "600 or a quarter of a shorter interval; under half the interval" in help_text, proc.stdout
