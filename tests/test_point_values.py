"""[point_values] in config.toml: a site's yen per point where the reference
marks the default as conflicting (⚠ Warau: ¥0.1 in 2017, ¥1 by 2025;
Pointtown 20 pt = ¥1). Every command prices points with it."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from sqlalchemy import select

from storage.engine import open_engine
from tests.conftest import RecordedServer, crawl_subprocess, run_cli

# The demo crawls on the clock's day: plan for 2026-11-23 on its market as if
# that day were today (a past --today reads what was stored by then).
ON_PLAN_DAY = {"POINTEXIT_NOW": "2026-11-23T09:00"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("point-values")
    db = str(tmp / "demo.db")
    proc = run_cli("demo", "--db", db, env={"POINTEXIT_DATA_DIR": str(tmp / "data"),
                                            "POINTEXIT_CONFIG_DIR": str(tmp / "config")})
    assert proc.returncode == 0, proc.stderr
    return db


def with_config(cli, tmp_path, text: str):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(text, encoding="utf-8")
    return cli


def warau_amazon(cli, db) -> dict:
    rows = json.loads(cli("exits", "-d", "amazon_gift", "--json", "--db", db).stdout)
    [row] = [r for r in rows if r["site"] == "warau"]
    return row


def test_exits_price_warau_points_at_the_configured_value(demo_db, cli, tmp_path):
    # 500 pt → ¥500: at the default ¥1 a point that is 100 %, at ¥0.1 a point ten times as much.
    assert warau_amazon(cli, demo_db)["return_rate"] == "1.000000"
    with_config(cli, tmp_path, '[point_values]\nwarau = "0.1"\n')
    assert warau_amazon(cli, demo_db)["return_rate"] == "10.000000"


def test_recommend_costs_warau_points_at_the_configured_value(demo_db, cli, tmp_path):
    def cost(*env_config):
        proc = cli("recommend", "--db", demo_db, "--balance", "warau=1000", "--spend", "2026-12-20:500",
                   "--today", "2026-11-23", "--json", env=ON_PLAN_DAY)
        assert proc.returncode == 0, proc.stderr
        [step] = json.loads(proc.stdout)["steps"]
        return step["points"], Fraction(step["cost_yen"])

    assert cost() == (500, 500)
    with_config(cli, tmp_path, '[point_values]\nwarau = "1/10"\n')
    assert cost() == (500, 50)


def test_a_crawl_runs_with_the_configured_value(tmp_path, cli):
    """`pointexit crawl` and the schedule's crawl child both run with it (the database
    keeps the site's value as the crawl had it)."""
    from storage.tables import SITE

    server = RecordedServer().start()
    try:
        with_config(cli, tmp_path, "[point_values]\nwarau = 0.1\n")
        db = str(tmp_path / "p.db")
        proc = cli("crawl", "warau", "--mirror", server.root_url, "--db", db)
        assert proc.returncode == 0, proc.stderr
        child_db = str(tmp_path / "child.db")
        crawl_subprocess(["warau"], child_db, mirror=server.root_url,
                         point_values={"warau": "1/10"})
    finally:
        server.stop()
    for path in (db, child_db):
        engine = open_engine(path, create=False)
        with engine.connect() as conn:
            row = conn.execute(select(SITE).where(SITE.c.slug == "warau")).mappings().one()
        engine.dispose()
        assert (row["yen_num"], row["yen_den"]) == (1, 10), path


@pytest.mark.parametrize("text, message", [
    ('[point_values]\nwaru = "1"', "[point_values] waru is not a setting pointexit reads (did you mean warau?)"),
    ('[point_values]\ndotmoney = "1"', "[point_values] dotmoney is not a setting pointexit reads"),
    ('[point_values]\nwarau = "abc"', "[point_values] warau must be yen per point from 0.001 to 100"),
    ('[point_values]\nwarau = 0', "[point_values] warau must be yen per point from 0.001 to 100"),
    ('[point_values]\nwarau = "1/0"', "not '1/0'"),
    ('[point_values]\nwarau = -1', "not -1"),
    ('[point_values]\nwarau = 1000', "not 1000"),
    # made exact, 1e999999999 would take forever
    ('[point_values]\nwarau = "1e999999999"', "not '1e999999999'"),
    ('[point_values]\nwarau = inf', "not inf"),
    ('[point_values]\nwarau = "nan"', "not 'nan'"),
    ('[point_values]\nwarau = true', "not True"),
    ("point_values = 5", "point_values must be a table ([point_values]), not 5"),
    ("[point_values]\nwarau = " + "9" * 5000, "is not valid TOML: a number with too many digits"),
])
def test_a_bad_point_value_fails_every_command_in_one_line(demo_db, cli, tmp_path, text, message):
    with_config(cli, tmp_path, text + "\n")
    for args in (["exits", "--db", demo_db], ["recommend", "--db", demo_db, "--balance", "warau=500"]):
        proc = cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_help_is_shown_whatever_the_config_says(cli, tmp_path):
    with_config(cli, tmp_path, '[point_values]\nwarau = "abc"\n')
    proc = cli("recommend", "--help")
    assert proc.returncode == 0 and "--balance" in proc.stdout, proc.stderr


@pytest.mark.parametrize("args", [
    ["recommend", "--wallet", "w.toml", "--help"], ["--help"], ["wallet", "init", "--help"], []])
def test_help_anywhere_is_shown_whatever_the_config_says(cli, tmp_path, args):
    with_config(cli, tmp_path, '[point_values]\nwarau = "abc"\n')
    proc = cli(*args)
    assert "Usage: pointexit" in proc.stdout + proc.stderr and "warau" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["-h", "--help"])
def test_an_option_value_that_reads_as_help_still_reads_the_config(cli, tmp_path, value):
    """main skipped config.toml whenever `-h` or `--help` was in argv, even as
    an option's value: `recommend --wallet --help` named no wallet file where
    a broken config must stop every run first."""
    with_config(cli, tmp_path, '[point_values]\nwarau = "abc"\n')
    proc = cli("recommend", "--wallet", value, "--balance", "warau=500")
    assert proc.returncode == 2 and "[point_values] warau must be" in proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["-h", "--help"])
def test_a_wallet_named_like_help_is_priced_at_the_configured_value(demo_db, tmp_path, monkeypatch, capsys, value):
    """… and, the file being there, the plan priced Warau points at ¥1, not the configured ¥0.1."""
    from pointexit import catalog
    from pointexit.cli import main

    monkeypatch.setitem(catalog.SITES, "warau", catalog.SITES["warau"])  # put back after the test
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('[point_values]\nwarau = "1/10"\n', encoding="utf-8")
    monkeypatch.setenv("POINTEXIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POINTEXIT_NOW", ON_PLAN_DAY["POINTEXIT_NOW"])
    monkeypatch.chdir(tmp_path)
    (tmp_path / value).write_text("", encoding="utf-8")  # an empty wallet
    assert main(["recommend", "--db", demo_db, "--wallet", value, "--balance", "warau=1000",
                 "--spend", "2026-12-20:500", "--today", "2026-11-23", "--json"]) == 0, capsys.readouterr().err
    [step] = json.loads(capsys.readouterr().out)["steps"]
    assert (step["points"], Fraction(step["cost_yen"])) == (500, 50)
