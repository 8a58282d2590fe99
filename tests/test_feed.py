"""feed.xml: Atom (RFC 4287), one entry per stored change, parsed back."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pointexit.page import build_site, feed_xml, read_inputs
from storage.engine import open_engine
from storage.models import CampaignObservation, RoutingOfferObservation
from storage.records import CurrentCampaign, CurrentRoutingOffer
from storage.store import Store
from tests.page_world import NOW, build_world, crawl, fashion_offer, hapitas_campaign, hapitas_exits

A = "{http://www.w3.org/2005/Atom}"
RFC3339_JST = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00")
UUID4_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
UUID_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def engine(tmp_path):
    return build_world(str(tmp_path / "world.db"))


def parse(xml: bytes) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == f"{A}feed"
    return root


def entries(root):
    return root.findall(f"{A}entry")


def observation_rows(engine) -> int:
    with Session(engine) as s:
        return (s.exec(select(func.count()).select_from(CampaignObservation)).one()
                + s.exec(select(func.count()).select_from(RoutingOfferObservation)).one())


def assert_valid_atom(root):
    """The RFC 4287 rules a reader relies on."""
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{tag}")) == 1, f"feed needs exactly one {tag}"
    assert RFC3339_JST.fullmatch(root.findtext(f"{A}updated"))
    # author: on the feed, or on every entry
    assert root.findall(f"{A}author/{A}name") or all(e.find(f"{A}author") is not None for e in entries(root))
    alternates = [(link.get("type"), link.get("hreflang")) for link in root.findall(f"{A}link")
                  if link.get("rel", "alternate") == "alternate"]
    assert len(alternates) == len(set(alternates))
    assert all(link.get("href") for link in root.iter(f"{A}link"))
    ids = []
    for e in entries(root):
        for tag in ("id", "title", "updated"):
            assert len(e.findall(f"{A}{tag}")) == 1, f"entry needs exactly one {tag}"
        assert RFC3339_JST.fullmatch(e.findtext(f"{A}updated"))
        # no atom:content, so an alternate link is required, and a summary is given
        assert any(link.get("rel") == "alternate" for link in e.findall(f"{A}link"))
        assert e.findtext(f"{A}summary")
        ids.append(e.findtext(f"{A}id"))
    assert all(UUID_URN.fullmatch(i) for i in ids)  # derived from the change: version 5
    assert UUID_URN.fullmatch(root.findtext(f"{A}id")) or UUID4_URN.fullmatch(root.findtext(f"{A}id"))
    assert len(ids) == len(set(ids)), "entry ids must be unique"


def test_the_feed_is_valid_atom(engine):
    assert_valid_atom(parse(feed_xml(read_inputs(engine), NOW)))


def test_one_entry_per_stored_change(engine):
    root = parse(feed_xml(read_inputs(engine), NOW))
    assert len(entries(root)) == observation_rows(engine) == 5


def test_a_change_is_a_new_entry_and_the_old_one_keeps_its_id(engine):
    before = {e.findtext(f"{A}id") for e in entries(parse(feed_xml(read_inputs(engine), NOW)))}
    later = NOW + timedelta(hours=6)
    crawl(Store(engine), "hapitas", later, hapitas_exits(later),
          campaigns=[hapitas_campaign(later, ends_at=NOW + timedelta(days=9), bonus_bp=300)])
    root = parse(feed_xml(read_inputs(engine), later))
    after = {e.findtext(f"{A}id"): e for e in entries(root)}
    assert before < set(after)
    [new_id] = set(after) - before
    new = after[new_id]
    assert new.findtext(f"{A}title").startswith("[変更] ハピタス:")
    assert "3%増量" in new.findtext(f"{A}title")
    assert "変更点: 増量率、終了" in new.findtext(f"{A}summary")
    assert new.findtext(f"{A}updated") == "2026-11-23T15:00:00+09:00"
    assert root.findtext(f"{A}updated") == "2026-11-23T15:00:00+09:00"  # the newest change


@pytest.mark.parametrize("record", [CurrentCampaign, CurrentRoutingOffer])
def test_every_field_a_change_can_name_is_in_japanese(record):
    # A reader saw 「変更点: in_rate」 when a site folded its bonus into the listed rate.
    from pointexit.feed import _FIELD_JA, _PROVENANCE

    named = {f.name for f in dataclasses.fields(record)} - _PROVENANCE - {"site"}  # site: part of the key
    assert named <= set(_FIELD_JA), named - set(_FIELD_JA)


def test_a_bonus_folded_into_the_rate_is_a_change_named_in_japanese():
    from pointexit.feed import changed_fields

    before = CurrentCampaign(1, "hapitas", "amazon_gift", "増量", "bonus", 500, None, None, None, None,
                             False, "https://hapitas.example/", NOW, NOW)
    after = dataclasses.replace(before, in_rate=True)
    assert changed_fields(before, after) == ["交換レートへの反映"]


def test_a_rebuild_without_changes_is_byte_identical(engine):
    inputs = read_inputs(engine)
    assert feed_xml(inputs, NOW) == feed_xml(inputs, NOW + timedelta(days=2))


def test_ids_depend_on_the_change_not_on_database_row_numbers(tmp_path):
    a = parse(feed_xml(read_inputs(build_world(str(tmp_path / "a.db"))), NOW))
    b = parse(feed_xml(read_inputs(build_world(str(tmp_path / "b.db"))), NOW))
    assert [e.findtext(f"{A}id") for e in entries(a)] == [e.findtext(f"{A}id") for e in entries(b)]


def test_entries_carry_window_flags_and_source(engine):
    root = parse(feed_xml(read_inputs(engine), NOW))
    [entry] = [e for e in entries(root) if "2%増量キャンペーン" in e.findtext(f"{A}title")]
    summary = entry.findtext(f"{A}summary")
    assert "期間: 2026/11/18 09:00〜2026/11/28 09:00 (日本時間)" in summary
    assert "先着順" in summary and "上限: 30,000pt" in summary
    assert entry.find(f"{A}link").get("href") == "https://hapitas.example/campaign/amazon"
    assert entry.find(f"{A}category").get("term") == "campaign"


def test_a_campaign_cap_is_in_the_sites_own_unit(engine):
    """dot money counts マネー: its campaign's cap is 「10,000マネー」, not 「10,000pt」."""
    at = NOW + timedelta(hours=1)
    crawl(Store(engine), "dotmoney", at, campaigns=[
        hapitas_campaign(at, site="dotmoney", key="amazon-2pct", cap_points=10_000,
                         source_url="https://dotmoney.example/campaign")])
    root = parse(feed_xml(read_inputs(engine), at))
    [entry] = [e for e in entries(root) if e.findtext(f"{A}title").startswith("[新規] ドットマネー:")]
    assert entry.findtext(f"{A}summary").endswith("先着順 / 上限: 10,000マネー")


def test_routing_offers_are_entries_too(engine):
    root = parse(feed_xml(read_inputs(engine), NOW))
    titles = [e.findtext(f"{A}title") for e in entries(root)
              if e.find(f"{A}category").get("term") == "routing-offer"]
    assert "[新規] 楽天リーベイツ: Amazonファッション 1%還元 (1%還元)" in titles
    assert "[新規] ハピタス: Amazon (還元なし)" in titles


def test_hostile_text_stays_text(tmp_path):
    engine = open_engine(tmp_path / "hostile.db")
    title = 'Amazon <b>ファッション</b> ]]> & "1%" \x01\x0b还元'
    crawl(Store(engine), "rakuten_rebates", NOW, offers=[fashion_offer(NOW, title=title)])
    root = parse(feed_xml(read_inputs(engine), NOW))
    assert_valid_atom(root)
    [entry] = entries(root)
    assert 'Amazon <b>ファッション</b> ]]> & "1%" \ufffd\ufffd还元' in entry.findtext(f"{A}title")


def test_an_empty_database_gives_a_valid_empty_feed(tmp_path):
    engine = open_engine(tmp_path / "empty.db")
    root = parse(feed_xml(read_inputs(engine), NOW))
    assert_valid_atom(root)
    assert entries(root) == [] and root.findtext(f"{A}updated") == "2026-11-23T09:00:00+09:00"


def test_the_feed_keeps_its_id_across_rebuilds_and_no_two_installations_share_one(engine, tmp_path):
    # The id was one constant for every installation, so a reader following
    # two people's feeds could take them for the same feed.
    def feed_id(out):
        return parse(build_site(engine, out, NOW).feed.read_bytes()).findtext(f"{A}id")

    mine, theirs = feed_id(tmp_path / "mine"), feed_id(tmp_path / "theirs")
    assert UUID4_URN.fullmatch(mine) and UUID4_URN.fullmatch(theirs) and mine != theirs
    assert feed_id(tmp_path / "mine") == mine
    # A feed published before keeps the id its readers already know.
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "feed.xml").write_bytes(feed_xml(read_inputs(engine), NOW, "urn:uuid:kept-0001"))
    assert feed_id(tmp_path / "old") == "urn:uuid:kept-0001"
    (tmp_path / "old" / "feed.xml").write_text("<html>not a feed</html>")
    assert UUID4_URN.fullmatch(feed_id(tmp_path / "old"))


def test_the_feed_is_written_beside_the_page(engine, tmp_path):
    built = build_site(engine, tmp_path / "out", NOW)
    assert built.feed == tmp_path / "out" / "feed.xml"
    assert_valid_atom(parse(built.feed.read_bytes()))
    assert 'href="feed.xml"' in built.index.read_text(encoding="utf-8")
