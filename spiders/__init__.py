"""Scrapy project: one spider per site, shared parsing, pipelines, health."""
