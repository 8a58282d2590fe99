"""The wallet file: the documented example reads exactly; mistakes name the key."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from advisor.model import Spend
from pointexit.wallet import WalletError, load_wallet, parse_wallet, wallet_example, write_example
from tests.conftest import ROOT

PATH = Path("/home/me/.config/pointexit/wallet.toml")
# The day the example is shown for in the README and checked for below: `wallet
# init` dates it from the day it runs, so the tests pin the clock to this one.
EXAMPLE_DAY = date(2026, 11, 23)
WALLET_EXAMPLE = wallet_example(EXAMPLE_DAY)
ON_EXAMPLE_DAY = {"POINTEXIT_NOW": "2026-11-23T09:00+09:00"}


@pytest.fixture(scope="module")
def example():
    return parse_wallet(WALLET_EXAMPLE, PATH)


def test_readme_shows_the_example_wallet_verbatim():
    assert WALLET_EXAMPLE in (ROOT / "README.md").read_text(encoding="utf-8")


def test_example_balances_and_last_activity(example):
    assert example.balances == {"hapitas": 3_210, "moppy": 1_500, "dotmoney": 0}
    assert example.last_activity == {"hapitas": date(2026, 11, 1), "moppy": date(2026, 9, 20)}
    assert example.exchanged == {"hapitas": (date(2026, 11, 1), 0)}


def test_example_amazon_side(example):
    a = example.amazon
    assert [(g.yen, g.expires, g.arrives) for g in a.gift_lots] == [
        (2_000, date(2036, 5, 1), None),
        (1_800, date(2036, 12, 12), date(2026, 12, 12)),  # October's Associates, six weeks on
    ]
    assert (a.points.points, a.points.last_order, a.points.last_earned) == (
        1_200, date(2026, 10, 20), date(2026, 11, 2))
    assert [(t.points, t.expires) for t in a.timed_points] == [(300, date(2026, 12, 31))]
    assert a.abroad_shipping_share == Fraction(15, 100) and a.points_use == "by_expiry"


def test_example_values_are_exact_and_spend_is_read(example):
    assert example.destination_values == {"bank": Fraction(1), "rakuten_point": Fraction(49, 50)}
    assert example.spends == [Spend(date(2026, 12, 10), 5_000), Spend(date(2027, 1, 15), 8_000, "fashion")]


@pytest.mark.parametrize("now, today", [
    ("2026-11-23T09:00+09:00", date(2026, 11, 23)),
    ("2027-06-01T09:00+09:00", date(2027, 6, 1)),
    ("2027-12-31T20:00-05:00", date(2028, 1, 1)),  # already New Year's Day in Japan
])
def test_wallet_init_writes_an_example_dated_from_today(cli, tmp_path, now, today):
    """The example's dates were fixed (a spend on 2026-12-10, points expiring
    2026-12-31): weeks on, `recommend` right after `wallet init` planned for
    spends gone by and lots already expired."""
    path = tmp_path / "wallet.toml"
    assert cli("wallet", "init", "--path", str(path), env={"POINTEXIT_NOW": now}).returncode == 0
    check = cli("wallet", "check", "--path", str(path), env={"POINTEXIT_NOW": now})
    assert check.returncode == 0 and check.stdout.startswith(f"{path}: OK"), check.stderr
    w = load_wallet(path)
    assert w.spends and all(s.on > today for s in w.spends)
    points = w.amazon.points
    assert max(points.last_order, points.last_earned) <= today  # already happened
    assert max(points.last_order, points.last_earned) + timedelta(days=365) > today  # they lapse a year on
    # Time-limited points outlast the first spend, so the example's plan uses them.
    assert w.amazon.timed_points and all(t.expires > w.spends[0].on for t in w.amazon.timed_points)
    assert all(g.expires > today for g in w.amazon.gift_lots)
    assert all(seen <= today for seen in w.last_activity.values())
    assert w.exchanged["hapitas"][0] == today.replace(day=1)  # "this month": read, not ignored


def test_wallet_init_dates_for_a_pinned_day(cli, tmp_path):
    """Counted by hand from 2027-06-01 with the example's spacing (2026-11-23:
    spends 12-10 and 01-15, Hapitas 11-01, Moppy 09-20, order 10-20, earned
    11-02, time-limited to 12-31, October's Associates, a card of May)."""
    path = tmp_path / "wallet.toml"
    assert cli("wallet", "init", "--path", str(path), env={"POINTEXIT_NOW": "2027-06-01T09:00"}).returncode == 0
    w = load_wallet(path)
    assert w.spends == [Spend(date(2027, 6, 18), 5_000), Spend(date(2027, 7, 24), 8_000, "fashion")]
    assert w.last_activity == {"hapitas": date(2027, 5, 10), "moppy": date(2027, 3, 29)}
    assert w.exchanged == {"hapitas": (date(2027, 6, 1), 0)}
    a = w.amazon
    assert (a.points.last_order, a.points.last_earned) == (date(2027, 4, 28), date(2027, 5, 11))
    assert [(t.points, t.expires) for t in a.timed_points] == [(300, date(2027, 7, 31))]
    assert w.associates == [(date(2027, 5, 1), 1_800)]
    assert [(g.yen, g.expires, g.arrives) for g in a.gift_lots] == [
        (2_000, date(2036, 12, 1), None),
        (1_800, date(2037, 7, 12), date(2027, 7, 12)),  # May's Associates, six weeks on: before the 07-24 spend
    ]
    assert 'exchanged = { month = "2027-06", points = 0 }' in path.read_text(encoding="utf-8")


def test_the_example_across_new_year():
    """Months counted back and on across the year's end: December's Associates,
    points to the end of February, a card of July."""
    w = parse_wallet(wallet_example(date(2027, 1, 5)), PATH)
    assert w.spends == [Spend(date(2027, 1, 22), 5_000), Spend(date(2027, 2, 27), 8_000, "fashion")]
    assert w.associates == [(date(2026, 12, 1), 1_800)]
    assert [t.expires for t in w.amazon.timed_points] == [date(2027, 2, 28)]
    assert w.amazon.gift_lots[0].expires == date(2036, 7, 1)
    assert w.exchanged == {"hapitas": (date(2027, 1, 1), 0)}
    assert w.last_activity == {"hapitas": date(2026, 12, 14), "moppy": date(2026, 11, 2)}


def test_associates_validity_is_configurable():
    w = parse_wallet('[associates]\nvalidity_years = 1\n[[associates.earnings]]\nmonth = "2026-09"\nyen = 700\n',
                     PATH)
    [lot] = w.amazon.gift_lots
    assert (lot.arrives, lot.expires) == (date(2026, 11, 11), date(2027, 11, 11))


@pytest.mark.parametrize("text, key, what", [
    ("[sites.nosuch]\npoints = 1\n", "sites.nosuch", "unknown site"),
    ("[sites.hapitas]\npoints = -5\n", "sites.hapitas.points", "cannot be negative"),
    ("[sites.hapitas]\npoints = 1.5\n", "sites.hapitas.points", "expected a whole number, got 1.5"),
    ("[sites.hapitas]\npoints = true\n", "sites.hapitas.points", "expected a whole number, got true"),
    ('[sites.hapitas]\npoints = 1\nexchanged = { month = 2026-11-01, points = 5 }\n',
     "sites.hapitas.exchanged.month", 'expected a month like "2026-10", got 2026-11-01'),
    ('[sites.hapitas]\npoints = "many"\n', "sites.hapitas.points", "expected a whole number"),
    ('[sites.hapitas]\npoints = 1\nlast_activity = "yesterday"\n', "sites.hapitas.last_activity",
     "expected a date"),
    ("[sites.hapitas]\npoint = 1\n", "sites.hapitas.point", "unknown key"),
    ("[[amazon.gift]]\nyen = 100\n", "amazon.gift[0].expires", "missing"),
    ('spend = ["2026-12-10:5000"]\n', "spend[0]", "expected a table, got '2026-12-10:5000'"),
    ("[amazon]\ngift = [2000]\n", "amazon.gift[0]", "expected a table, got 2000"),
    ("[[amazon.gift]]\nyen = 100\nexpires = 2026-13-01\n", "not valid TOML", ""),
    ("[sites.hapitas]\npoints = " + "9" * 5000 + "\n", "not valid TOML", "a number with too many digits"),
    ('[[associates.earnings]]\nmonth = "Oct"\nyen = 1\n', "associates.earnings[0].month", "expected a month"),
    ("[[associates.earnings]]\nyen = 1800\n", "associates.earnings[0].month", "missing"),
    ('[sites.hapitas]\npoints = 1\nexchanged = { points = 5 }\n', "sites.hapitas.exchanged.month", "missing"),
    ('[destinations]\ngold = "1.0"\n', "destinations.gold", "unknown destination"),
    ('[sites.hapitas]\npoints = 1\nexchanged = { month = "11", points = 5 }\n',
     "sites.hapitas.exchanged.month", "expected a month"),
    ('[sites.hapitas]\npoints = 1\nexchanged = { month = "2026-11", points = -5 }\n',
     "sites.hapitas.exchanged.points", "cannot be negative"),
    ('[sites.hapitas]\npoints = 1\nexchanged = { month = "2026-11" }\n',
     "sites.hapitas.exchanged.points", "missing"),
    ('[destinations]\nbank = "abc"\n', "destinations.bank", "expected a number"),
    ("[destinations]\nbank = inf\n", "destinations.bank", "expected a number"),
    ('[destinations]\nbank = "Infinity"\n', "destinations.bank", "expected a number"),
    ("[destinations]\nbank = nan\n", "destinations.bank", "expected a number"),
    ('[settings]\nabroad_shipping_share = "inf%"\n', "settings.abroad_shipping_share", "expected a number"),
    # 15 without % was taken as 1,500 % of the cart
    ('[settings]\nabroad_shipping_share = "15"\n', "settings.abroad_shipping_share",
     'a share is at most 100% (write "15%" or "0.15"), got \'15\''),
    ("[settings]\nabroad_shipping_share = 1.5\n", "settings.abroad_shipping_share", "got 1.5"),
    ("[destinations]\nbank = 1e400\n", "destinations.bank", "out of range"),
    ('[destinations]\nbank = "1e999999999"\n', "destinations.bank", "out of range"),
    ('[destinations]\nbank = "1e-999999999"\n', "destinations.bank", "out of range"),
    ("[sites.hapitas]\npoints = 1\nlast_activity = 9999-12-31\n", "sites.hapitas.last_activity", "out of range"),
    ("[amazon.points]\npoints = 10\nlast_order = 9999-12-31\n", "amazon.points.last_order", "out of range"),
    ('[[associates.earnings]]\nmonth = "9999-12"\nyen = 1800\n', "associates.earnings[0].month", "out of range"),
    ("[associates]\nvalidity_years = 100000\n", "associates.validity_years", "must be at most 100"),
    ("[[spend]]\ndate = 0001-01-01\nyen = 10\n", "spend[0].date", "out of range"),
    ('[settings]\namazon_points_use = "sometimes"\n', "settings.amazon_points_use", "expected one of"),
    ('[[spend]]\ndate = 2026-12-10\nyen = 0\n', "spend[0].yen", "must be at least 1"),
    ('[[spend]]\ndate = 2026-12-10\nyen = 10_000_001\n', "spend[0].yen", "must be at most 10,000,000"),
    ('[[spend]]\ndate = 2026-12-10\nyen = 10\ntag = "food"\n', "spend[0].tag", "expected one of"),
    ("[amazon.points]\npoints = 10\n", "amazon.points.last_order", "lapse a year after"),
    ("wallet = 1\n", "wallet", "unknown key"),
    ("[[amazon.gift]]\nyen = 500\nexpires = 2026-12-01\narrives = 2036-12-01\n", "amazon.gift[0].arrives",
     "2036-12-01 is after the card expires (2026-12-01)"),
])
def test_mistakes_name_file_key_and_problem(text, key, what):
    with pytest.raises(WalletError) as err:
        parse_wallet(text, PATH)
    message = str(err.value)
    assert message.startswith(str(PATH)) and key in message and what in message
    assert "\n" not in message


@pytest.mark.parametrize("written, day", [
    ("2026-11-30T23:30:00-05:00", date(2026, 12, 1)),  # 13:30 on 12-01 in Japan
    ("2026-12-01T08:00:00+09:00", date(2026, 12, 1)),
    ("2026-11-30T23:59:00Z", date(2026, 12, 1)),
    ("2026-11-30T23:59:00", date(2026, 11, 30)),  # no offset: already Japan's time
])
def test_a_date_and_time_with_an_offset_is_read_as_the_day_in_japan(written, day):
    w = parse_wallet(f"[sites.moppy]\npoints = 10\nlast_activity = {written}\n", PATH)
    assert w.last_activity == {"moppy": day}


def test_a_time_whose_day_in_japan_is_past_9999_is_out_of_range():
    with pytest.raises(WalletError, match="sites.moppy.last_activity.*out of range"):
        parse_wallet("[sites.moppy]\npoints = 10\nlast_activity = 9999-12-31T23:00:00-05:00\n", PATH)


@pytest.mark.parametrize("path, what", [
    ("/dev/zero", "cannot read: larger than 4 MB: is it the right file?"),  # read forever before
    ("{dir}", "cannot read: Is a directory"),  # the path was repeated: "[Errno 21] Is a directory: '…'"
])
def test_a_wallet_path_that_is_no_wallet_is_one_line(tmp_path, path, what):
    path = Path(path.format(dir=tmp_path))
    with pytest.raises(WalletError) as err:
        load_wallet(path)
    assert str(err.value) == f"{path}: {what}"


def test_init_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.setenv("POINTEXIT_NOW", ON_EXAMPLE_DAY["POINTEXIT_NOW"])
    path = write_example(tmp_path / "w" / "wallet.toml")
    assert path.read_text(encoding="utf-8") == WALLET_EXAMPLE
    with pytest.raises(WalletError, match="already exists"):
        write_example(path)
    write_example(path, force=True)


def _no_bigger_files_than(limit: int):
    """For a child process: a write past `limit` bytes fails (EFBIG), as on a full disk."""
    import resource
    import signal

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_init_force_on_a_full_disk_leaves_the_old_wallet_whole(tmp_path, monkeypatch):
    """`wallet init --force` wrote in place: a write that failed part way (disk
    full, a crash) left the user's wallet cut short. Now the example goes to a
    temporary file beside it, renamed over only when whole."""
    import os
    import subprocess
    import sys

    monkeypatch.setenv("POINTEXIT_NOW", ON_EXAMPLE_DAY["POINTEXIT_NOW"])
    path = tmp_path / "wallet.toml"
    mine = "# 私の財布\n[sites.hapitas]\npoints = 3210\n"
    path.write_text(mine, encoding="utf-8")
    path.chmod(0o600)
    env = {**os.environ, "POINTEXIT_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("POINTEXIT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "pointexit", "wallet", "init", "--force", "--path", str(path)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
                          preexec_fn=_no_bigger_files_than(200))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"pointexit: error: {path}: cannot write: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == mine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wallet.toml"]  # no temporary file left

    written = write_example(path, force=True)  # with room, it is replaced, still private
    assert written.read_text(encoding="utf-8") == WALLET_EXAMPLE
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wallet.toml"]


def test_init_force_through_a_symlink_replaces_the_file_it_points_to(tmp_path, monkeypatch):
    monkeypatch.setenv("POINTEXIT_NOW", ON_EXAMPLE_DAY["POINTEXIT_NOW"])
    real = tmp_path / "dotfiles" / "wallet.toml"
    real.parent.mkdir()
    real.write_text("[sites.moppy]\npoints = 1\n", encoding="utf-8")
    link = tmp_path / "wallet.toml"
    link.symlink_to(real)
    write_example(link, force=True)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == WALLET_EXAMPLE


def test_init_with_a_path_ending_in_a_slash_writes_no_file_named_like_the_directory(cli, tmp_path):
    """`wallet init --path ~/wallets/` (a directory not made yet) wrote the
    example to a file named "wallets": Path() drops the trailing slash."""
    proc = cli("wallet", "init", "--path", f"{tmp_path / 'wallets'}/")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert f"names a directory; give a file, e.g. {tmp_path / 'wallets' / 'wallet.toml'}" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "wallets").exists()


def test_a_wallet_saved_with_a_byte_order_mark_reads_like_any_other(tmp_path):
    """Notepad's 「UTF-8 (BOM付き)」: the file was 'not valid TOML: Invalid
    statement (at line 1, column 1)' though nothing could be seen wrong."""
    path = tmp_path / "wallet.toml"
    path.write_bytes(b"\xef\xbb\xbf" + "# 財布\n[sites.hapitas]\npoints = 3210\n".encode("utf-8"))
    assert load_wallet(path).balances == {"hapitas": 3_210}


def test_wallet_check_summarises_the_examples_time_limited_points(cli, tmp_path):
    """`wallet check` summarised every part of the README's example but its
    [[amazon.timed_points]] (300 pt expiring 2026-12-31)."""
    path = tmp_path / "wallet.toml"
    assert cli("wallet", "init", "--path", str(path), env=ON_EXAMPLE_DAY).returncode == 0
    proc = cli("wallet", "check", "--path", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "  期間限定ポイント: 300pt 期限 2026-12-31" in proc.stdout.splitlines(), proc.stdout


def test_wallet_check_names_time_limited_points_as_the_advisor_does(tmp_path, monkeypatch, capsys):
    """The label has one source (advisor.amazon.TIMED_POINTS): `wallet check`
    spelt it out itself, so a change there left the summary behind."""
    import advisor.amazon
    from pointexit.cli.wallet import check_command

    path = tmp_path / "wallet.toml"
    path.write_text("[[amazon.timed_points]]\npoints = 300\nexpires = 2026-12-31\n", encoding="utf-8")
    monkeypatch.setattr(advisor.amazon, "TIMED_POINTS", "期間限定")
    check_command(path=str(path))
    assert "  期間限定: 300pt 期限 2026-12-31" in capsys.readouterr().out.splitlines()


def test_wallet_init_says_to_check_then_recommend_naming_a_file_elsewhere(cli, tmp_path):
    """As the README has it: edit, `wallet check`, then `recommend` — and for a
    --path elsewhere, the options that read that file (plain `recommend` would not)."""
    path = tmp_path / "w.toml"
    proc = cli("wallet", "init", "--path", str(path))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert f"pointexit wallet check --path {path}" in text and f"pointexit recommend --wallet {path}" in text, text
    proc = cli("wallet", "init")
    text = " ".join(proc.stdout.split())
    assert "`pointexit wallet check`" in text and "`pointexit recommend`" in text, text


def test_wallet_init_quotes_a_path_with_a_space_in_the_commands_it_suggests(cli, tmp_path):
    """`--path "my wallets/w.toml"`: the suggested `recommend --wallet my wallets/w.toml`
    pasted into a shell named two files."""
    (tmp_path / "my wallets").mkdir()
    path = tmp_path / "my wallets" / "w.toml"
    proc = cli("wallet", "init", "--path", str(path))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert f"`pointexit wallet check --path '{path}'`" in text, text
    assert f"`pointexit recommend --wallet '{path}'`" in text, text


def test_wallet_init_prints_the_commands_it_suggests_whole_and_as_written(cli, tmp_path):
    """A "[x]" in the path was read as Rich markup and left out, and past the
    console's width the hint was broken with a newline inside a command."""
    path = tmp_path / ("d" * 150) / "w[x].toml"
    path.parent.mkdir()
    proc = cli("wallet", "init", "--path", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (f"wrote {path} — edit it, check it with `pointexit wallet check --path '{path}'`, "
                           f"then run `pointexit recommend --wallet '{path}'`\n")
    assert path.is_file()
