from spiders.base import ColumnTableSpider


class GendamaSpider(ColumnTableSpider):
    """げん玉: an old-style table in Shift_JIS (declared by <meta http-equiv>),
    headers in its first row; exits from 3,000pt.

    Path: the reference gives no path for げん玉's exchange page; /exchange/
    is our plausible choice. The dot money rate is shown net of its 10 % fee
    (⚠ single source) and the RealPay bank fees per bank are a plausible
    split of the reference's ¥165–206.
    """

    name = "gendama"
    site = "gendama"
    start_paths = ("/exchange/",)
    expected_min_items = 4
    required_texts = ("rate_text", "minimum_text", "step_text", "fee_text", "lag_text")
    table_css = "table.exchange_tbl"
    columns = {
        "label": ("交換先",),
        "rate_text": ("交換レート",),
        "minimum_text": ("最低交換",),
        "step_text": ("交換単位",),
        "fee_text": ("手数料",),
        "lag_text": ("交換時期",),
    }
