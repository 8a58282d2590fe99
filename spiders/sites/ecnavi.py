from spiders.base import PointSiteSpider, fields_by_label, label_values, text_of


class EcnaviSpider(PointSiteSpider):
    """ECナビ: one box per exit with a labelled spec table, in EUC-JP
    (declared by <meta http-equiv>). Amazon direct costs 1,000 pt a time;
    PeX is the free way out.

    Path: the reference gives no path for ECナビ's exchange page; /exchange/
    is our plausible choice.
    """

    name = "ecnavi"
    site = "ecnavi"
    start_paths = ("/exchange/",)
    expected_min_items = 2
    required_texts = ("rate_text", "minimum_text", "step_text", "fee_text", "lag_text")
    point_value_css = ".page-lead"
    spec_labels = {
        "交換レート": "rate_text",
        "最低交換ポイント": "minimum_text",
        "交換単位": "step_text",
        "手数料": "fee_text",
        "反映時期": "lag_text",
    }

    def parse_exits(self, response):
        for box in response.css("div.exchangeItem"):
            yield {"label": text_of(box.css(".exchangeItem__name")),
                   **fields_by_label(label_values(box.css("table.exchangeItem__spec")),
                                     self.spec_labels)}
