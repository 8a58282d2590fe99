from spiders.base import PointSiteSpider, text_of
from spiders.parsing import clean, destination_for, is_first_come, parse_window


class HapitasSpider(PointSiteSpider):
    """ハピタス: a table 「ポイント交換先」 (交換先・交換レート・最低交換pt・交換単位);
    a campaign shows as a badge on its row (「2%増量中」) with its details,
    period first, in a box of the same `data-exchange` below the notes."""

    name = "hapitas"
    site = "hapitas"
    start_paths = ("/exchange/",)
    expected_min_items = 5
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")

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

    def parse_campaigns(self, response):
        for row in response.css("table.exchange-table tbody tr"):
            badge = text_of(row.css(".label-campaign"))
            if not badge:
                continue
            exchange = row.attrib.get("data-exchange", "")
            box = response.css(f'.campaign-box[data-exchange="{exchange}"]')
            label = text_of(row.css("td.col-name a"))
            window_text = text_of(box.css(".campaign-period")) or None
            starts_at, _ = parse_window(window_text)
            yield {
                # One campaign per exit and start: the same badge next month is a new one.
                "key": f"{exchange}:{starts_at.date().isoformat()}" if starts_at else exchange,
                "destination": destination_for(label),
                "title": text_of(box.css(".campaign-ttl")) or f"{label} {badge}",
                "bonus_text": badge,
                "window_text": window_text,
                "first_come": is_first_come(text_of(box)),
                # The badge sits on the rate it describes: 490pt → 500円 is the boosted rate.
                "in_rate": True,
            }
