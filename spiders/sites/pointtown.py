from spiders.base import ColumnTableSpider


class PointtownSpider(ColumnTableSpider):
    """ポイントタウン: one table with columns 最低交換Pt / 交換予定日 /
    交換レート (交換前 → 交換後) / 手数料; Amazon at 19.6Pt = 1円.

    Path: the reference names the columns but not the page's path;
    /exchange/ is our plausible choice.
    """

    name = "pointtown"
    site = "pointtown"
    start_paths = ("/exchange/",)
    expected_min_items = 7
    required_texts = ("rate_text", "minimum_text", "fee_text", "lag_text")
    table_css = "table.p-exchange-table"
    columns = {
        "label": ("交換先",),
        "minimum_text": ("最低交換Pt",),
        "lag_text": ("交換予定日",),
        "rate_text": ("交換レート",),
        "fee_text": ("手数料",),
    }
