"""The static comparison page and its feed: storage → view → files.

`read_inputs` is the only place that queries storage; `render_page` and
`feed_xml` are functions of those inputs and the generation time; `write_site`
replaces the files atomically, so a web server or a browser never sees half a
page. Jinja2 is imported here only (the `recommend` path never loads it).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

from pointexit.clock import JST
from pointexit.errors import UserError
from pointexit import page_view

import templates as _templates_package

TEMPLATES = Path(_templates_package.__file__).resolve().parent
# The feed keeps the newest changes only (readers poll; history is in the page).
FEED_LIMIT = 200


class PageOutputError(UserError):
    """The output directory cannot hold the page."""


@dataclass
class PageInputs:
    """Everything the page and the feed are made of, as plain records."""

    exits: list
    history: dict
    campaigns: list  # (record, sighting) of every campaign ever seen
    offers: list  # (record, sighting) of every routing offer ever seen
    runs: dict
    campaign_changes: list
    offer_changes: list

    @property
    def campaign_records(self) -> list:
        return [c for c, _ in self.campaigns]


def read_inputs(engine) -> PageInputs:
    from storage import queries

    return PageInputs(
        exits=queries.current_exits(engine), history=queries.exit_history(engine),
        campaigns=queries.campaign_sightings(engine), offers=queries.routing_offer_sightings(engine),
        runs=queries.last_runs(engine),
        campaign_changes=queries.campaign_changes(engine, FEED_LIMIT),
        offer_changes=queries.routing_offer_changes(engine, FEED_LIMIT),
    )


# --------------------------------------------------------------------------- personal section


@dataclass
class PersonalStep:
    apply_on: date  # the day the plan applies: today, or later when a campaign starts later
    apply_by: date
    site_name: str
    label: str
    points: int
    unit: str  # of the site's points (pt, マネー, PeXポイント)
    yen: int
    arrives_by: date  # worst case, applied on apply_on
    for_spend: date
    source_url: str
    fee_points: int = 0  # charged on top of `points`, in the same unit
    # As `recommend` shows them: the campaigns the yen counts on, and whether
    # one is first-come (先着), so the yen may not all arrive.
    campaigns: tuple[str, ...] = ()
    first_come: bool = False


@dataclass
class PersonalView:
    today: date
    steps: list[PersonalStep] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What to apply for today after the wait advice, as `recommend` prints
    # it under 今日の申請; and that advice (wait until…, shop through…).
    now: list[PersonalStep] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    applies_today: bool = False  # some row of the table is for today
    now_differs: bool = False  # … and today's applications are not those rows


class WalletError(UserError):
    pass


def read_wallet(wallet: Path):
    """The wallet the page's personal section is planned from; a bad one is
    one line (`schedule` calls this at start-up, before any crawl)."""
    from pointexit import wallet as wallet_file

    try:
        return wallet_file.load_wallet(wallet)
    except wallet_file.WalletError as exc:
        raise WalletError(f"wallet {exc}") from None


def personal_plan(engine, wallet: Path, today: date, calendar=None, now: datetime | None = None) -> PersonalView:
    """The page's one coupling to the advisor: the wallet file (the format
    `pointexit wallet init` writes, read by `pointexit.wallet`) → the current
    recommendation, as plain rows for the template. calendar: the business
    days ([calendar], read once by the command); None is the default one.
    now: the moment the page is generated at, which decides whether a
    campaign still runs (None: the clock's).
    """
    from pointexit.cli.recommend import build_plan, now_differs
    from pointexit.catalog import point_unit, site_name

    w = read_wallet(wallet)
    plan = build_plan(engine, w.balances, w.spends, today, wallet=w, now=now, calendar=calendar)
    def row(s) -> PersonalStep:
        return PersonalStep(s.apply_on or today, s.apply_by, site_name(s.site), s.label, s.points,
                            point_unit(s.site), s.yen, s.arrives_by, s.for_spend, s.source_url,
                            s.fee_points, tuple(s.campaigns), s.uncertain)

    return PersonalView(
        today=today,
        steps=[row(s) for s in plan.steps],
        now=[row(s) for s in plan.now],
        advice=[a.text for a in plan.advice],
        applies_today=any((s.apply_on or today) == today for s in plan.steps),
        now_differs=now_differs(plan, today),
        warnings=list(plan.warnings),
    )


# --------------------------------------------------------------------------- rendering


def _amount(value) -> str:
    """1234.5 → 「1,234.50」, 50 → 「50」."""
    text = page_view.decimal(Fraction(value), 2)
    if text.endswith(".00"):
        text = text[:-3]
    whole, _, cents = text.partition(".")
    return f"{int(whole):,}" + (f".{cents}" if cents else "")


def _yen(value) -> str:
    return "¥" + _amount(value)


def _percent(value) -> str:
    return page_view.decimal(Fraction(value) * 100, 2) + "%"


def _safe_url(url) -> bool:
    """Only web links become links: a scraped `javascript:` URL stays text."""
    return isinstance(url, str) and urlsplit(url).scheme in ("http", "https")


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["yen"] = _yen
    env.filters["amount"] = _amount
    env.filters["percent"] = _percent
    env.tests["safe_url"] = _safe_url
    return env


def render_page(inputs: PageInputs, now: datetime, personal: PersonalView | None = None,
                stale_after: timedelta = page_view.DEFAULT_STALE_AFTER) -> str:
    from markupsafe import Markup

    from pointexit.cli.offers import NO_FASHION_OFFER

    now = now.astimezone(JST)
    tables = page_view.destination_tables(inputs.exits, inputs.history, inputs.campaign_records,
                                          now, stale_after)
    offers = page_view.active_amazon_offers(inputs.offers, now, stale_after)
    health = page_view.health_lines(inputs.runs, now)
    style = (TEMPLATES / "page.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "sort.js").read_text(encoding="utf-8")
    return environment().get_template("page.html.j2").render(
        generated=page_view.jst_text(now), generated_iso=now.isoformat(timespec="seconds"),
        tables=tables, exit_count=sum(t.exit_count for t in tables),
        offers=offers, fashion_offer=any(o.fashion for o in offers),
        campaigns=page_view.active_campaigns(inputs.campaigns, now, stale_after),
        no_fashion_offer=NO_FASHION_OFFER,
        personal=personal, health=health, health_ok=sum(h.verdict == "ok" for h in health),
        style=Markup(style), style_hash=_csp_hash(style),
        script=Markup(script), script_hash=_csp_hash(script),
    )


def kept_feed_id(previous: Path) -> str:
    """The feed's permanent id (RFC 4287 4.2.6): the one the feed already
    published in this directory has, else a new random one, so two users'
    feeds never share an id and a reader never sees an old one change."""
    import uuid
    import xml.etree.ElementTree as ET

    from pointexit.feed import ATOM_NS

    try:
        root = ET.parse(previous).getroot()
    except (OSError, ET.ParseError):
        root = None
    if root is not None and root.tag == f"{{{ATOM_NS}}}feed":
        kept = (root.findtext(f"{{{ATOM_NS}}}id") or "").strip()
        if kept and len(kept) <= 200 and not any(c.isspace() for c in kept):
            return kept
    return f"urn:uuid:{uuid.uuid4()}"


def feed_xml(inputs: PageInputs, now: datetime, feed_id: str | None = None) -> bytes:
    from pointexit import feed

    entries = feed.campaign_entries(inputs.campaign_changes) + feed.offer_entries(inputs.offer_changes)
    return feed.atom_feed(entries, generated_at=now, feed_id=feed_id or feed.stable_id("feed"),
                          limit=FEED_LIMIT)


# --------------------------------------------------------------------------- files


def prepare_out_dir(out: Path) -> Path:
    """The output directory, created if needed; one-line errors otherwise."""
    out = Path(out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PageOutputError(f"cannot write the page to {out}: it is a file, not a directory") from None
    except OSError as exc:
        raise PageOutputError(f"cannot create {out}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise PageOutputError(f"cannot write the page to {out}: permission denied")
    return out


def write_site(out: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write each file beside a temporary name, then rename it into place."""
    out = prepare_out_dir(out)
    written = {}
    for name, body in files.items():
        target = out / name
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            # A failed write (disk full, a directory in the way) must not leave
            # a hidden partial file in a published directory, one per rebuild.
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise PageOutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        written[name] = target
    return written


@dataclass(frozen=True)
class BuiltPage:
    index: Path
    feed: Path
    exit_rows: int
    feed_entries: int
    page_bytes: int


def build_site(engine, out: Path, now: datetime, *, wallet: Path | None = None,
               stale_after: timedelta = page_view.DEFAULT_STALE_AFTER, calendar=None) -> BuiltPage:
    """Read storage once, write index.html and feed.xml into `out`."""
    # The database and wallet are read before `out` is made, so a bad one
    # leaves no empty directory behind.
    inputs = read_inputs(engine)
    # Planned as of `now` too: the clock's moment would drop a campaign the
    # page, built for another moment, shows as running (and vice versa).
    personal = personal_plan(engine, wallet, now.date(), calendar, now) if wallet else None
    html = render_page(inputs, now, personal, stale_after).encode("utf-8")
    out = prepare_out_dir(out)
    xml = feed_xml(inputs, now, kept_feed_id(out / "feed.xml"))
    paths = write_site(out, {"index.html": html, "feed.xml": xml})
    return BuiltPage(index=paths["index.html"], feed=paths["feed.xml"], exit_rows=len(inputs.exits),
                     feed_entries=min(FEED_LIMIT, len(inputs.campaign_changes) + len(inputs.offer_changes)),
                     page_bytes=len(html))
