from spiders.base import ColumnTableSpider


class GendamaSpider(ColumnTableSpider):
    """げん玉: an old-style table in Shift_JIS (declared by <meta http-equiv>),
    headers in its first row, no <thead>; exits from 3,000pt.

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
    point_value_css = ".exchange_info strong"
    table_css = "table.exchange_tbl"
    columns = {
        "交換レート": "rate_text",
        "最低交換ポイント": "minimum_text",
        "交換単位": "step_text",
        "手数料": "fee_text",
        "交換時期": "lag_text",
    }
