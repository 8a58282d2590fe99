import re

from spiders.base import PointSiteSpider, campaign_key, fields_by_css, text_of
from spiders.parsing import destination_for, is_first_come


class DotmoneySpider(PointSiteSpider):
    """ドットマネー (an intermediary; 1 マネー = ¥1): its own exits, as cards
    grouped by category, each card a title, a 「297マネー→300円分」 rate and a
    spec list of labelled values. Running campaigns sit in a box above.
    Bank cards name the bank in brackets (銀行振込（ゆうちょ銀行）): the variant.
    The path is our plausible guess at the real one.
    """

    name = "dotmoney"
    site = "dotmoney"
    start_paths = ("/exchange/",)
    expected_min_items = 4
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")
    card_fields = {
        "label": ".c-card__title",
        "rate_text": ".c-card__rate",
        "minimum_text": '[data-spec="min"] .c-card__spec-value',
        "step_text": '[data-spec="unit"] .c-card__spec-value',
        "fee_text": '[data-spec="fee"] .c-card__spec-value',
        "lag_text": '[data-spec="days"] .c-card__spec-value',
    }

    def parse_exits(self, response):
        for card in response.css("div.c-card--exchange"):
            fields = fields_by_css(card, self.card_fields)
            bracket = re.search(r"[（(](.+?)[）)]", fields["label"] or "")
            yield {**fields, "variant": bracket.group(1) if bracket else ""}

    def parse_campaigns(self, response):
        for box in response.css("article.c-campaign"):
            title = text_of(box.css(".c-campaign__title"))
            destination = destination_for(title)
            yield {
                "key": campaign_key(box.css("a::attr(href)").get(), title, destination),
                "destination": destination,
                "title": title,
                "bonus_text": text_of(box.css(".c-campaign__bonus")),
                "window_text": text_of(box.css(".c-campaign__period")),
                "cap_text": text_of(box.css(".c-campaign__limit")) or None,
                "first_come": is_first_come(text_of(box)),
            }
