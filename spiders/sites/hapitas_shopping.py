from spiders.base import text_of
from spiders.shopping import ListedAd, ShoppingListingSpider, id_from


class HapitasShoppingSpider(ShoppingListingSpider):
    """ハピタス 総合ネット通販 (/category/shopping_store/): `#inner_catalog .item_slots_thumb`,
    title `p.store`, reward `p.caption` (「1%」; empty when the item pays nothing, whose
    link then goes to /item/redirect-to-client-if-zero-point-item/itemid/<id>/)."""

    name = "hapitas_shopping"
    site = "hapitas"
    start_paths = ("/category/shopping_store/",)

    def listing(self, response):
        catalog = response.css("#inner_catalog")
        if not catalog:
            return None
        return [ListedAd(
            key=id_from(slot.css("a::attr(href)").get(), r"itemid/\d+"),
            title=text_of(slot.css(".store")) or slot.css("img::attr(alt)").get(""),
            reward_text=text_of(slot.css(".caption")),
            text=text_of(slot),
        ) for slot in catalog.css(".item_slots_thumb")]
