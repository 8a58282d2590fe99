from spiders.base import PointSiteSpider, spec_table, text_of

SPEC = {
    "rate_text": ("交換レート",),
    "minimum_text": ("最低交換",),
    "step_text": ("交換単位",),
    "fee_text": ("手数料",),
    "lag_text": ("反映時期",),
}


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

    def parse_exits(self, response):
        for box in response.css("div.exchangeItem"):
            yield {"label": text_of(box.css(".exchangeItem__name")),
                   **spec_table(box.css("table.exchangeItem__spec"), SPEC)}
