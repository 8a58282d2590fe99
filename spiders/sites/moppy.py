from spiders.base import (PointSiteSpider, campaign_key, fields_by_label, label_values,
                          per_variant, text_of)
from spiders.parsing import destination_for, is_first_come


class MoppySpider(PointSiteSpider):
    """モッピー: a card list of exits (badges 等価以上 / 手数料ゼロ, category
    buttons) and a pick-up box of exchange campaigns. The bank card carries a
    fee table, one row per bank: one exit per bank.

    Path: the reference names the host (pc.moppy.jp) but not the exchange
    page's path; /exchange/ is our plausible choice.
    """

    name = "moppy"
    site = "moppy"
    start_paths = ("/exchange/",)
    expected_min_items = 11
    required_texts = ("rate_text", "minimum_text", "step_text", "fee_text", "lag_text")
    point_value_css = ".a-page__lead"
    spec_labels = {
        "最低交換": "minimum_text",
        "交換単位": "step_text",
        "手数料": "fee_text",
        "交換予定日": "lag_text",
    }

    def parse_exits(self, response):
        for card in response.css("li.m-exchange-card"):
            raw = {
                "label": text_of(card.css(".a-exchange-card__name")),
                "rate_text": text_of(card.css(".a-exchange-card__rate")),
                **fields_by_label(label_values(card.css("dl.m-exchange-card__spec")), self.spec_labels),
            }
            fees = label_values(card.css("table.m-exchange-card__fee"))
            if fees:
                yield from per_variant(raw, ({"variant": bank, "fee_text": fee}
                                             for bank, fee in fees.items()))
            else:
                yield raw

    def parse_campaigns(self, response):
        for box in response.css("li.m-pickup__item"):
            title = text_of(box.css(".a-pickup__catch"))
            destination = destination_for(text_of(box.css(".a-pickup__target")))
            yield {
                "key": campaign_key(box.css("a::attr(href)").get(), title, destination),
                "destination": destination,
                "title": title,
                "bonus_text": title,
                "window_text": text_of(box.css(".a-pickup__period")),
                "cap_text": text_of(box.css(".a-pickup__cap")) or None,
                "first_come": is_first_come(text_of(box.css(".a-pickup__limit"))),
            }
