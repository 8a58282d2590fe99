from spiders.base import PointSiteSpider, fields_by_label, label_values, text_of


class LifemediaSpider(PointSiteSpider):
    """ライフメディア: one definition list per exit (最低交換P / 交換単位 /
    交換手数料 / 交換完了日), grouped in categories. The rate is not a row of
    its own: 最低交換P reads 「1,000P＝1,000円」, minimum and rate at once.
    A category's note carries caps shared by its exits (gift codes: 1日あたり
    2,000Pまで). The path is our plausible guess at the real one.
    """

    name = "lifemedia"
    site = "lifemedia"
    start_paths = ("/exchange/",)
    expected_min_items = 5
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")
    spec_labels = {
        "最低交換P": "minimum_text",
        "交換単位": "step_text",
        "交換手数料": "fee_text",
        "交換完了日": "lag_text",
    }

    def parse_exits(self, response):
        for category in response.css("section.exchange-category"):
            note = text_of(category.css(".exchange-category__note"))
            for item in category.css("div.exchange-item"):
                fields = fields_by_label(label_values(item.css("dl")), self.spec_labels)
                yield {
                    "label": text_of(item.css(".exchange-item__name")),
                    "rate_text": fields["minimum_text"],
                    **fields,
                    "cap_text": note if "まで" in note else None,
                }
