"""Only for `scrapyd-deploy`, which builds the spiders' egg by running
`python setup.py bdist_egg`. Everything about the package (name, packages,
data files, the `scrapy` entry point naming spiders.settings) is in
pyproject.toml."""

from setuptools import setup

setup()
