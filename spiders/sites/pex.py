from spiders.base import PointSiteSpider, fields_by_label, table_records, text_of


class PexSpider(PointSiteSpider):
    """PeX (an intermediary; 10 PeX pt = ¥1): its own exits in one table per
    category, read by column header so a reordered table still parses. The
    exit's name is the link in the first cell (its comment line is not part of
    it). The path is our plausible guess at the real one.
    """

    name = "pex"
    site = "pex"
    start_paths = ("/point_exchange/",)
    expected_min_items = 4
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")
    column_labels = {
        "交換レート": "rate_text",
        "最低交換ポイント": "minimum_text",
        "交換単位": "step_text",
        "手数料": "fee_text",
        "交換予定日": "lag_text",
    }

    def parse_exits(self, response):
        for table in response.css("table.exchange_list"):
            names = [text_of(td.css("a")) for td in table.xpath("./tbody/tr/td[1]")]
            for name, record in zip(names, table_records(table)):
                yield {"label": name, **fields_by_label(record, self.column_labels)}
