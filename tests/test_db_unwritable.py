"""A crawl into a database it cannot write is one line, never a traceback."""

from __future__ import annotations

import sqlite3

import pytest

import storage.engine as engine_mod
from storage.engine import StorageError, open_engine


def test_a_writer_finds_a_locked_database_at_once(db_path, monkeypatch):
    open_engine(db_path).dispose()
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        with pytest.raises(StorageError, match="locked"):
            open_engine(db_path)
        open_engine(db_path, create=False).dispose()  # readers are not refused
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_store_pipeline_reports_a_database_error_as_the_runs_verdict(tmp_path):
    from scrapy.utils.test import get_crawler

    from pointexit.crawling import spider_classes
    from spiders.pipelines import StorePipeline

    bad = tmp_path / "notes.db"
    bad.write_text("not a database\n")
    crawler = get_crawler(spider_classes()["pex"], {"POINTEXIT_DB": str(bad), "LOG_LEVEL": "ERROR"})
    crawler.spider = crawler._create_spider(base_url="http://127.0.0.1:9")
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()  # no exception: Scrapy would print it as a traceback
    pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert stats["pointexit/verdict"] == "failed"
    assert stats["pointexit/reason"].startswith("database_error: ")
    assert bad.read_text() == "not a database\n"
