from spiders.base import PointSiteSpider, fields_by_css
from spiders.parsing import value_after_label


class WarauSpider(PointSiteSpider):
    """ワラウ: a card list, one card per exit, each line of the card a field
    (「最低交換：300pt～」, 「手数料：無料」). Bank cards name their banks: the
    name is the variant, as fees differ between them.

    ⚠ Warau's point value changed (1 pt = ¥0.1 in 2017 reports, ¥1 by 2025);
    the catalog says ¥1 and the page's own statement (「1pt＝1円相当」 in the
    header) is checked against it on every crawl. The path is our guess.
    """

    name = "warau"
    site = "warau"
    start_paths = ("/point/exchange/",)
    expected_min_items = 5
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")
    point_value_css = ".l-header__rate"
    card_fields = {
        "label": ".exchange-card__name",
        "rate_text": ".exchange-card__rate",
        "minimum_text": ".exchange-card__min",
        "step_text": ".exchange-card__unit",
        "fee_text": ".exchange-card__fee",
        "lag_text": ".exchange-card__days",
    }

    def parse_exits(self, response):
        for card in response.css("li.exchange-card"):
            fields = {k: value_after_label(v) for k, v in fields_by_css(card, self.card_fields).items()}
            bank = card.attrib.get("data-category") == "cash"
            yield {**fields, "variant": fields["label"] if bank else ""}
