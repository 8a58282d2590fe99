from spiders.base import ColumnTableSpider


class PointtownSpider(ColumnTableSpider):
    """ポイントタウン: one table with columns 最低交換Pt / 交換予定日 /
    交換レート (交換前 → 交換後) / 手数料; Amazon at 19.6Pt = 1円.

    ⚠ The catalog's 20 Pt = ¥1 is checked against the page's own statement.
    Path: the reference names the columns but not the page's path;
    /exchange/ is our plausible choice.
    """

    name = "pointtown"
    site = "pointtown"
    start_paths = ("/exchange/",)
    expected_min_items = 7
    required_texts = ("rate_text", "minimum_text", "fee_text", "lag_text")
    point_value_css = ".c-page-lead"
    table_css = "table.p-exchange-table"
    columns = {
        "最低交換Pt": "minimum_text",
        "交換予定日": "lag_text",
        "交換レート 交換前 → 交換後": "rate_text",
        "手数料": "fee_text",
    }
