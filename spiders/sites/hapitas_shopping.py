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
        ads, seen = [], set()
        for slot in catalog.css(".item_slots_thumb"):
            href = slot.css("a::attr(href)").get()
            key = id_from(href, r"itemid/\d+")
            if not key or key in seen:
                continue
            seen.add(key)
            ads.append(ListedAd(
                key=key,
                title=text_of(slot.css(".store")) or slot.css("img::attr(alt)").get(""),
                reward_text=text_of(slot.css(".caption")),
                text=text_of(slot),
            ))
        return ads
