from spiders.base import text_of
from spiders.shopping import ListedAd, ShoppingListingSpider, id_from, joined_text


class PointIncomeShoppingSpider(ShoppingListingSpider):
    """ポイントインカム 総合通販・百貨店 (list.php?category=66, Shift_JIS): `div.box_ad`
    each with `a[href="./ad/<id>/"]`, `div.title_list`, `div.list_pt`
    (「購入金額の<span class="big">1</span><span class="pt_after">%</span>」),
    tags `span.statas_emphas`, `div.list_way` (獲得条件), `div.list_period` (承認期間)."""

    name = "pointincome_shopping"
    site = "pointincome"
    start_paths = ("/list.php?category=66",)

    def listing(self, response):
        boxes = response.css("div.box_ad")
        if not boxes:
            return None
        return [ListedAd(
            key=id_from(box.css("a[href*='ad/']::attr(href)").get(), r"ad/\d+"),
            title=text_of(box.css(".title_list")) or box.css("img::attr(alt)").get(""),
            reward_text=joined_text(box.css(".list_pt")),
            conditions=text_of(box.css(".list_way")) or None,
            tags=tuple(t for t in (text_of(s) for s in box.css(".statas_emphas")) if t),
            lag_text=text_of(box.css(".list_period")) or None,
            text=text_of(box),
        ) for box in boxes]
