"""Item pipelines that fail on purpose, for crawls in a subprocess
(`settings={"ITEM_PIPELINES": with_failing_pipeline()}`)."""

from spiders.items import CampaignItem


class FailOnCampaignsPipeline:
    """Raises on every campaign, as a bug in a pipeline would."""

    def process_item(self, item):
        if isinstance(item, CampaignItem):
            raise KeyError("bonus_bp")
        return item


def with_failing_pipeline() -> dict:
    """The project's pipelines with the failing one between normalize and validate."""
    from scrapy.utils.project import get_project_settings

    pipelines = dict(get_project_settings().getdict("ITEM_PIPELINES"))
    return {**pipelines, "tests.pipeline_faults.FailOnCampaignsPipeline": 150}
