from spiders.base import (PointSiteSpider, amount_options, fields_by_label, label_values,
                          per_variant, table_records, text_of)


class PointIncomeSpider(PointSiteSpider):
    """ポイントインカム: one box per exit; Amazon has an amount picker
    (500 / 1,000 / 2,000 / 3,000円), the bank box a fee table per bank, and
    one exchange a day over all exits.

    Path: the reference names the host (pointi.jp) but not the exchange
    page's path; /exchange/ is our plausible choice.
    """

    name = "pointincome"
    site = "pointincome"
    start_paths = ("/exchange/",)
    expected_min_items = 11
    required_texts = ("rate_text", "minimum_text", "fee_text", "lag_text")
    point_value_css = ".exchange_note .red"
    spec_labels = {
        "交換レート": "rate_text",
        "最低交換ポイント": "minimum_text",
        "交換単位": "step_text",
        "交換手数料": "fee_text",
        "交換予定日": "lag_text",
    }
    bank_columns = {"振込先": "variant", "最低交換ポイント": "minimum_text", "交換手数料": "fee_text"}

    def parse_exits(self, response):
        daily_limit = text_of(response.css(".exchange_note .note_limit"))
        for box in response.css("div.box_exchange"):
            raw = {
                "label": text_of(box.css(".title_exchange")),
                **fields_by_label(label_values(box.css("table.tbl_exchange")), self.spec_labels),
                "cap_text": daily_limit, "cap_scope": "site",
            }
            picker = box.css("ul.list_amount li")
            banks = box.css("table.tbl_bank_fee")
            if picker:
                yield from amount_options(raw, ((text_of(li.css(".amount_yen")),
                                                 text_of(li.css(".amount_pt"))) for li in picker))
            elif banks:
                yield from per_variant(raw, (fields_by_label(r, self.bank_columns)
                                             for r in table_records(banks[0])))
            else:
                yield raw
