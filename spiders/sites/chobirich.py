from spiders.base import PointSiteSpider, campaign_key, fields_by_label, label_values, text_of
from spiders.parsing import destination_for, is_first_come, split_minimum_step


class ChobirichSpider(PointSiteSpider):
    """ちょびリッチ: one page per exit, each with a vertical 「交換詳細」 table
    (交換レート / 交換単位 / 交換完了日 / 交換手数料), then 交換手順 and 注意事項.

    The paths follow the real site's /exchange/<category>/<item>/info/ pattern
    (the dot money page's path is the real one); the Amazon, bank and PeX paths
    are our plausible guesses. Banks with different fees are separate tables on
    one page, each captioned with its group of banks: the caption is the variant.
    """

    name = "chobirich"
    site = "chobirich"
    start_paths = (
        "/exchange/emoney/amazon/info/",
        "/exchange/bank/furikomi/info/",
        "/exchange/dotmoney/money/info/",
        "/exchange/point/pex/info/",
    )
    expected_min_items = 5
    # Every exit on the page shows these: one missing is a renamed column or label
    # (a missing fee must not read as "free").
    required_texts = ("rate_text", "fee_text", "lag_text")
    detail_labels = {
        "交換レート": "rate_text",
        "交換完了日": "lag_text",
        "交換手数料": "fee_text",
    }

    def parse_exits(self, response):
        label = self.exit_label(response)
        tables = response.xpath('//h2[starts-with(normalize-space(.), "交換詳細")]'
                                '/following-sibling::table')
        for table in tables:
            pairs = label_values(table)
            minimum_text, step_text = split_minimum_step(pairs.get("交換単位"))
            yield {
                "label": label,
                "variant": text_of(table.xpath("./caption")),
                **fields_by_label(pairs, self.detail_labels),
                "minimum_text": minimum_text,
                "step_text": step_text,
            }

    def exit_label(self, response) -> str:
        return text_of(response.css("h1 .exchange_ttl__name"))

    def parse_campaigns(self, response):
        # A campaign box sits on the page of the exit it boosts.
        destination = destination_for(self.exit_label(response))
        for box in response.css("div.exchange_campaign"):
            # A heading without a link still names the campaign.
            title = text_of(box.css(".exchange_campaign__ttl"))
            terms = label_values(box.css("dl"))
            yield {
                # The campaign's own page is named for its month (…/campaign/202611/).
                "key": campaign_key(box.css(".exchange_campaign__ttl a::attr(href)").get(),
                                    title, destination),
                "destination": destination,
                "title": title,
                "bonus_text": text_of(box.css(".exchange_campaign__bonus")),
                "window_text": terms.get("期間"),
                "cap_text": terms.get("対象"),
                "first_come": is_first_come(text_of(box)),
            }
