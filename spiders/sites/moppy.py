from urllib.parse import parse_qs, urlsplit

from spiders.base import PointSiteSpider, labelled_values, per_variant, text_of
from spiders.parsing import destination_for, is_first_come

SPEC = {
    "minimum_text": ("最低交換",),
    "step_text": ("交換単位",),
    "fee_text": ("手数料",),
    "lag_text": ("交換予定日",),
}


class MoppySpider(PointSiteSpider):
    """モッピー: a card list of exits (badges 等価以上 / 手数料ゼロ, category
    buttons) and a pick-up box of exchange campaigns.

    Path: the reference names the host (pc.moppy.jp) but not the exchange
    page's path; /exchange/ is our plausible choice.
    """

    name = "moppy"
    site = "moppy"
    start_paths = ("/exchange/",)
    expected_min_items = 11
    required_texts = ("rate_text", "minimum_text", "step_text", "fee_text", "lag_text")

    def parse_exits(self, response):
        for card in response.css("li.m-exchange-card"):
            raw = {
                "label": text_of(card.css(".a-exchange-card__name")),
                "rate_text": text_of(card.css(".a-exchange-card__rate")),
                **labelled_values(((text_of(li.css(".a-spec__label")),
                                    text_of(li.css(".a-spec__value")))
                                   for li in card.css(".m-exchange-card__spec li")), SPEC),
            }
            fees = card.css("table.m-exchange-card__fee tr")
            if fees:  # the bank card: one exit per bank, each with its own fee
                yield from per_variant(raw, ({"variant": text_of(r.css("th")),
                                              "fee_text": text_of(r.css("td"))} for r in fees))
            else:
                yield raw

    def parse_campaigns(self, response):
        for box in response.css("li.m-pickup__item"):
            query = parse_qs(urlsplit(box.css("a::attr(href)").get("")).query)
            title = text_of(box.css(".a-pickup__catch"))
            window = text_of(box.css(".a-pickup__period"))
            campaign_id = query.get("campaign_id", [""])[0]
            yield {
                # The id in its link; else title and window (stable while it runs).
                "key": f"campaign_id={campaign_id}" if campaign_id else f"{title} {window}",
                "destination": destination_for(text_of(box.css(".a-pickup__target"))),
                "title": title,
                "bonus_text": title,
                "window_text": window,
                "cap_text": text_of(box.css(".a-pickup__cap")) or None,
                "first_come": is_first_come(text_of(box.css(".a-pickup__limit"))),
            }
