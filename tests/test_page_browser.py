"""The comparison page in real headless Chromium (Debian's `chromium`),
driven by Playwright over the DevTools protocol, opened from file://.

Skips with the reason when Chromium or Playwright is missing; `.ci/run`
installs Chromium. Set POINTEXIT_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pointexit.page import build_site
from storage.queries import current_exits
from tests.page_world import EVIL_LABEL, EVIL_NAME, NOW, build_world, first_come_plan

CHROMIUM = os.environ.get("POINTEXIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"headless Chromium not found at {CHROMIUM} (Debian package `chromium`; "
                    ".ci/run installs it; POINTEXIT_CHROMIUM points elsewhere)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page load with everything the page did recorded."""

    def __init__(self, browser, path: Path, *, javascript: bool = True):
        self.context = browser.new_context(java_script_enabled=javascript,
                                           viewport={"width": 1440, "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        # Anything that is not a local file is refused (and recorded above).
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "file://") else route.abort())
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def column(self, table, index: int) -> list[str]:
        return self.page.eval_on_selector_all(
            f"table[data-destination={table}] tbody tr",
            f"rows => rows.map(r => r.cells[{index}].getAttribute('data-v'))")

    def close(self):
        self.context.close()


def screenshot(visit: Visit, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    visit.page.screenshot(path=str(shot), full_page=True)
    keep = os.environ.get("POINTEXIT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / name)
    return shot


@pytest.fixture(scope="module")
def world_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    engine = build_world(str(tmp / "world.db"))
    built = build_site(engine, tmp / "out", NOW)
    return engine, built


@pytest.fixture
def visit(browser, world_site):
    v = Visit(browser, world_site[1].index)
    yield v
    v.close()


def test_the_page_loads_without_console_errors(visit):
    assert visit.errors == []
    assert [m for m in visit.console if m.startswith(("error", "warning"))] == []


def test_no_request_leaves_file_urls(visit):
    assert visit.requests and all(u.startswith("file://") for u in visit.requests), visit.requests


def test_exit_rows_equal_what_storage_holds(visit, world_site):
    engine, _ = world_site
    assert visit.page.locator("tr.exit").count() == len(current_exits(engine)) == 12
    assert visit.page.locator("tr.route").count() == 2


def test_a_screenshot_is_taken(visit, tmp_path):
    shot = screenshot(visit, tmp_path, "page.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_site_name_with_a_script_tag_is_text(visit):
    page = visit.page
    assert page.locator("td", has_text=EVIL_NAME).count() == 1
    assert page.locator("a", has_text=EVIL_LABEL).count() == 1
    assert page.evaluate("document.scripts.length") == 1  # only ours
    assert page.evaluate("document.querySelectorAll('main img').length") == 0
    assert visit.dialogs == []


def test_the_personal_table_reads_a_steps_campaign_and_first_come_as_text(browser, tmp_path):
    # As `recommend` prints them: 「ルート [キャンペーン]」 and 「¥… (先着)」.
    title = "<i>2%</i>増量"
    engine, wallet = first_come_plan(tmp_path, title)
    built = build_site(engine, tmp_path / "out", NOW, wallet=wallet)
    v = Visit(browser, built.index)
    try:
        cells = v.page.eval_on_selector_all("#personal tbody tr", "rows => rows.map(r => "
                                            "[r.cells[3].innerText, r.cells[5].innerText])")
        assert cells == [[f"Amazonギフトカード [{title}]", "¥510 (先着)"]]
        assert v.page.evaluate("document.querySelectorAll('#personal i').length") == 0
    finally:
        v.close()


def test_clicking_a_header_sorts(visit):
    page = visit.page
    min_col = 4  # サイト, 交換先, 100ptあたり, 還元率, 最低交換
    before = visit.column("amazon_gift", min_col)
    page.locator("table[data-destination=amazon_gift] th", has_text="最低交換").locator("button").click()
    ascending = visit.column("amazon_gift", min_col)
    assert ascending != before
    assert [float(v) for v in ascending] == sorted(float(v) for v in before)
    page.locator("table[data-destination=amazon_gift] th", has_text="最低交換").locator("button").click()
    assert [float(v) for v in visit.column("amazon_gift", min_col)] == sorted(
        (float(v) for v in before), reverse=True)
    header = page.locator("table[data-destination=amazon_gift] th", has_text="最低交換")
    assert header.get_attribute("aria-sort") == "descending"


def test_sorting_by_site_name_keeps_every_row(visit):
    page = visit.page
    rows_before = page.locator("table[data-destination=amazon_gift] tbody tr").count()
    page.locator("table[data-destination=amazon_gift] th", has_text="サイト").locator("button").click()
    names = visit.column("amazon_gift", 0)
    assert len(names) == rows_before
    assert names == page.evaluate("names => names.slice().sort((a, b) => a.localeCompare(b, 'ja'))", names)


def test_without_javascript_rows_are_best_return_first(browser, world_site):
    v = Visit(browser, world_site[1].index, javascript=False)
    try:
        rates = [float(r) for r in v.column("amazon_gift", 3)]
        assert rates == sorted(rates, reverse=True)
        assert v.page.locator("th button").count() == 0
    finally:
        v.close()


def test_a_real_crawl_of_the_recorded_pages_renders(browser, recorded_server, run_crawl, cli, tmp_path):
    from storage.engine import open_engine

    db = str(tmp_path / "crawl.db")
    run_crawl(["hapitas"], db, mirror=recorded_server.root_url)
    proc = cli("page", "--db", db, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    v = Visit(browser, tmp_path / "out" / "index.html")
    try:
        engine = open_engine(db, create=False)
        assert v.page.locator("tr.exit").count() == len(current_exits(engine)) > 0
        assert v.errors == [] and all(u.startswith("file://") for u in v.requests)
        amazon = v.page.locator("table[data-destination=amazon_gift] tr.exit")
        assert "490pt → 500円分" in amazon.inner_text()
        screenshot(v, tmp_path, "page-recorded.png")
    finally:
        v.close()


def test_an_empty_database_page_loads_and_says_so(browser, cli, tmp_path):
    from storage.engine import open_engine

    open_engine(tmp_path / "empty.db").dispose()
    assert cli("page", "--db", str(tmp_path / "empty.db"), "--out", str(tmp_path / "out")).returncode == 0
    v = Visit(browser, tmp_path / "out" / "index.html")
    try:
        assert v.errors == [] and v.page.locator("tr.exit").count() == 0
        assert "まだ交換先のデータがありません" in v.page.locator("#no-data").inner_text()
    finally:
        v.close()
