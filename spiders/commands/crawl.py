"""`scrapy crawl`: Scrapy's own command, but a spider argument the spider refuses
(`-a base_url=http://host:99999`) is a one-line usage error with exit status 2
before anything starts — as `pointexit crawl --base-url` reports it — instead of
a traceback from inside the engine, exit status 1."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from pointexit.errors import UserError


class Command(ScrapyCrawl):
    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)  # parses -a NAME=VALUE into opts.spargs
        if len(args) == 1:
            self.check_arguments(args[0], opts.spargs)

    def check_arguments(self, name: str, spargs: dict) -> None:
        from scrapy.spiderloader import get_spider_loader

        from spiders.base import PointSiteSpider

        try:
            spidercls = get_spider_loader(self.settings).load(name)
        except KeyError:
            return  # an unknown spider: Scrapy's own message follows
        if not issubclass(spidercls, PointSiteSpider):
            return
        try:
            spidercls.checked_base_url(spargs.get("base_url"))
        except UserError as exc:
            # Scrapy's UsageError would print its usage block around the reason.
            print(f"scrapy crawl: error: {exc}", file=sys.stderr)
            sys.exit(2)
