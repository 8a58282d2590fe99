import re
from urllib.parse import parse_qs, urlsplit

import scrapy

from spiders.base import text_of
from spiders.shopping import ListedAd, ShoppingListingSpider, class_starts, id_from


class MoppyShoppingSpider(ShoppingListingSpider):
    """モッピー 総合通販: `ul.o-list… > li.m-list__item > a.block__link[data-ga-label]`,
    title `.a-list__item__title`, reward `em.a-list__item__point` (「1.0%」) or,
    without a reward, `.a-list__item__benefit` (「ポイント対象外」).

    The category page loads its list with JavaScript: a page saved by a
    browser holds the list, a raw download only the shell, in which case the
    list is fetched from the AJAX endpoint the page itself calls.
    """

    name = "moppy_shopping"
    site = "moppy"
    start_paths = ("/category/list.php?parent_category=6&child_category=80",)
    ajax_path = ("/ajax/category/get_list.php?parent_category={parent}&child_category={child}"
                 "&objective_category=0&current_page=1&af_sorter=1&exclude_purchased=")

    def listing(self, response):
        lists = response.xpath(f"//ul[{class_starts('o-list')}][.//li[contains(@class, 'm-list__item')]]")
        if not lists:
            return None
        # The main list names itself 「…広告一覧」; side lists (rankings) are left out.
        main = [ul for ul in lists if "広告一覧" in (ul.attrib.get("data-ga-action") or "")] or lists
        return [self.ad(li) for ul in main for li in ul.css("li.m-list__item")]

    @staticmethod
    def ad(li) -> ListedAd:
        link = li.css("a.block__link") or li.css("a")
        href = link.attrib.get("href") if link else None
        key = id_from(href, r"(?:shopping|ad)/detail\.php\?(?:.*&)?s(?:ite)?_id=\d+")
        return ListedAd(
            # 特集枠 write s_id for the same id.
            key=re.sub(r"\?(?:.*&)?s(?:ite)?_id=", "?site_id=", key) if key else None,
            title=text_of(li.css(".a-list__item__title")) or (link.attrib.get("data-ga-label", "") if link else ""),
            reward_text=text_of(li.css(".a-list__item__point")) or text_of(li.css(".a-list__item__benefit")),
            conditions=text_of(li.css(".a-list__item__action")) or None,
            text=text_of(li),
        )

    def fallback(self, response):
        if "/ajax/" in response.url or not (response.css("#parent_category") or b"getCategoryList" in response.body):
            return None
        query = parse_qs(urlsplit(response.url).query)
        path = self.ajax_path.format(parent=query.get("parent_category", ["6"])[0],
                                     child=query.get("child_category", ["0"])[0])
        # Without this header the endpoint answers 200 with an empty body.
        return scrapy.Request(self.url(path), headers={"X-Requested-With": "XMLHttpRequest"},
                              callback=self.parse, errback=self.on_error)
