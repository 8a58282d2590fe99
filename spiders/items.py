"""What spiders yield. Raw text as the site wrote it, plus where it came from.

The normalize pipeline adds the exact numbers; validate adds `problems`.
"""

import scrapy


class ExitItem(scrapy.Item):
    site = scrapy.Field()
    destination = scrapy.Field()  # optional: normalize derives it from label
    variant = scrapy.Field()
    label = scrapy.Field()
    rate_text = scrapy.Field()  # 「490pt → 500円」
    minimum_text = scrapy.Field()
    step_text = scrapy.Field()
    max_text = scrapy.Field()  # largest single exchange, when the site has one
    fee_text = scrapy.Field()
    lag_text = scrapy.Field()
    cap_text = scrapy.Field()
    cap_scope = scrapy.Field()  # "site" when the caps are over all exits
    source_url = scrapy.Field()
    seen_at = scrapy.Field()
    # filled by NormalizePipeline
    points_in = scrapy.Field()
    value_out = scrapy.Field()
    minimum_points = scrapy.Field()
    step_points = scrapy.Field()
    max_points = scrapy.Field()
    fee_points = scrapy.Field()
    lag_min_days = scrapy.Field()
    lag_max_days = scrapy.Field()
    daily_cap_points = scrapy.Field()
    monthly_cap_points = scrapy.Field()
    daily_exchanges = scrapy.Field()
    # filled by ValidatePipeline
    problems = scrapy.Field()


class CampaignItem(scrapy.Item):
    site = scrapy.Field()
    key = scrapy.Field()
    destination = scrapy.Field()
    title = scrapy.Field()
    bonus_text = scrapy.Field()  # 「2%増量」, 「1%割引」
    window_text = scrapy.Field()
    cap_text = scrapy.Field()
    first_come = scrapy.Field()
    in_rate = scrapy.Field()  # the listed rate already includes this bonus
    # The rate texts of the page's exits to the destination (the spider base
    # adds them): a cap in what the exit pays out (「20,000マネーまで」,
    # 「5,000円分まで」) becomes the site's points by their one rate.
    exit_rate_texts = scrapy.Field()
    source_url = scrapy.Field()
    seen_at = scrapy.Field()
    kind = scrapy.Field()
    bonus_bp = scrapy.Field()
    starts_at = scrapy.Field()
    ends_at = scrapy.Field()
    cap_points = scrapy.Field()
    problems = scrapy.Field()


class RoutingOfferItem(scrapy.Item):
    site = scrapy.Field()
    key = scrapy.Field()
    store = scrapy.Field()
    title = scrapy.Field()
    reward_text = scrapy.Field()  # 「購入金額の1%」
    scope = scrapy.Field()
    conditions = scrapy.Field()
    lag_text = scrapy.Field()
    window_text = scrapy.Field()
    source_url = scrapy.Field()
    seen_at = scrapy.Field()
    rate_bp = scrapy.Field()
    starts_at = scrapy.Field()
    ends_at = scrapy.Field()
    problems = scrapy.Field()
