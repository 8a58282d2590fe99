"""Pages in Shift_JIS and EUC-JP, declared as real sites do (<meta http-equiv>),
read the same as their UTF-8 copies in tests/files/."""

import pytest

from pointexit.recorded import RECORDED
from spiders.base import text_of
from tests.conftest import FILES, parse_file, response_for

CASES = [
    # (spider, recorded legacy page, its UTF-8 copy, declared charset, codec)
    ("gendama", "gendama/exchange/index.html", "gendama_exchange.utf8.html", "Shift_JIS", "cp932"),
    ("ecnavi", "ecnavi/exchange/index.html", "ecnavi_exchange.utf8.html", "EUC-JP", "euc_jp"),
]
URL = "http://127.0.0.1/exchange/"


@pytest.mark.parametrize("spider, legacy, utf8, charset, codec", CASES)
def test_recorded_bytes_really_are_legacy_encoded(spider, legacy, utf8, charset, codec):
    raw = (RECORDED / legacy).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    declared = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    assert declared.encode("ascii") in raw
    copy = (FILES / utf8).read_text(encoding="utf-8")
    assert raw == copy.replace("charset=UTF-8", f"charset={charset}").encode(codec)


@pytest.mark.parametrize("spider, legacy, utf8, charset, codec", CASES)
def test_same_japanese_text_as_the_utf8_copy(spider, legacy, utf8, charset, codec):
    old = response_for(RECORDED / legacy, URL)
    new = response_for(FILES / utf8, URL)
    assert old.encoding == codec and new.encoding == "utf-8"
    assert text_of(old.css("body")) == text_of(new.css("body"))
    assert "ポイント交換" in text_of(old.css("h2"))


@pytest.mark.parametrize("spider, legacy, utf8, charset, codec", CASES)
def test_same_items_as_the_utf8_copy(spider, legacy, utf8, charset, codec):
    old = parse_file(spider, RECORDED / legacy, URL)
    new = parse_file(spider, FILES / utf8, URL)
    assert old == new and len(old) >= 2


def _served_as(body: bytes, content_type: str):
    def handler(request) -> bool:
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
        return True
    return handler


def _exits(db: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT e.label, o.points_in, o.value_out, o.fee_points, o.lag_text FROM exit e "
            "JOIN exit_observation o ON o.exit_id = e.id ORDER BY e.label, e.variant").fetchall()


@pytest.mark.parametrize("spider, page, content_type", [
    ("gendama", "gendama/exchange/index.html", "text/html; charset=utf-8"),
    ("ecnavi", "ecnavi/exchange/index.html", "text/html; charset=Shift_JIS"),
    # Apache's old AddDefaultCharset, on a page that says EUC-JP itself.
    ("ecnavi", "ecnavi/exchange/index.html", "text/html; charset=ISO-8859-1"),
], ids=["sjis-as-utf8", "eucjp-as-sjis", "eucjp-as-latin1"])
def test_a_wrong_charset_header_gives_way_to_the_pages_own(tmp_path, spider, page, content_type):
    """A server's Content-Type charset that cannot be the page's: the crawl reads
    what the page declares in <meta>, and stores what a correct header gives."""
    from pointexit.recorded import RecordedServer
    from tests.conftest import crawl_subprocess

    right, wrong = str(tmp_path / "right.db"), str(tmp_path / "wrong.db")
    path = "/" + page.removesuffix("index.html")
    server = RecordedServer(faults={path: [None, _served_as((RECORDED / page).read_bytes(),
                                                            content_type)]}).start()
    try:
        first = crawl_subprocess([spider], right, mirror=server.root_url)[spider]
        second = crawl_subprocess([spider], wrong, mirror=server.root_url)[spider]
    finally:
        server.stop()
    assert first["verdict"] == "ok" and first["items"] >= 2
    assert (second["verdict"], second["reason"], second["items"], second["valid_items"]) == (
        "ok", None, first["items"], first["items"])
    assert _exits(wrong) == _exits(right)
