import json
import re

from spiders.shopping import ListedAd, ShoppingListingSpider


def _store_lists(node):
    """Every list of store records in the page's state, wherever the app put it."""
    if isinstance(node, list):
        if node and all(isinstance(x, dict) and "name" in x and "rewardText" in x for x in node):
            yield node
        for x in node:
            yield from _store_lists(x)
    elif isinstance(node, dict):
        for x in node.values():
            yield from _store_lists(x)


def stores_in(html: str) -> list[dict] | None:
    """Store records from the page's embedded state (window.INITIAL_FETCH_STATE = {...})."""
    m = re.search(r"INITIAL_FETCH_STATE\s*=\s*", html)
    if m:
        try:
            state, _ = json.JSONDecoder().raw_decode(html[m.end():].replace(":undefined", ":null"))
        except ValueError:
            state = None
        found = [s for stores in _store_lists(state) for s in stores]
        if found:
            return found
    # The state's wrapper keys change with every build; the records do not.
    found = []
    for obj in re.finditer(r'\{"shoppingUrl":[^{}]*\}', html):
        try:
            found.append(json.loads(obj.group(0)))
        except ValueError:
            continue
    return found or None


class RakutenRebatesSpider(ShoppingListingSpider):
    """楽天リーベイツ /stores: the store list is JSON in the page (a JavaScript app);
    each record has link, name, rewardText (「1.0%」) and status. It has no exchange exits."""

    name = "rakuten_rebates"
    site = "rakuten_rebates"
    start_paths = ("/stores",)

    def listing(self, response):
        stores = stores_in(response.text)
        if stores is None:
            return None
        ads = []
        for store in stores:
            if store.get("status") not in (None, "active"):
                self.stats.inc_value("pointexit/listing/inactive_stores")
                continue
            ads.append(ListedAd(
                key=str(store.get("link") or store.get("id") or store["name"]),
                title=store["name"], reward_text=store.get("rewardText") or "",
            ))
        return ads
