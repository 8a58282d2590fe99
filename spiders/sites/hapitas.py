from spiders.base import PointSiteSpider, text_of
from spiders.parsing import clean


class HapitasSpider(PointSiteSpider):
    """ハピタス: a table 「ポイント交換先」 (交換先・交換レート・最低交換pt・交換単位)."""

    name = "hapitas"
    site = "hapitas"
    start_paths = ("/exchange/",)
    expected_min_items = 5

    def parse_exits(self, response):
        cap_text = next((clean(t) for t in response.css("p.exchange-note::text").getall()
                         if "まで" in t), None)
        for row in response.css("table.exchange-table tbody tr"):
            yield {
                "label": text_of(row.css("td.col-name a")),
                "rate_text": text_of(row.css("td.col-rate")),
                "minimum_text": text_of(row.css("td.col-min")),
                "step_text": text_of(row.css("td.col-unit")),
                "fee_text": text_of(row.css("td.col-fee")),
                "lag_text": text_of(row.css("td.col-date")),
                "cap_text": cap_text,
                "cap_scope": "site",
            }
