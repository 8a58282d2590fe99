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
