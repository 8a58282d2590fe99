"""`--base-url` (and the base URLs behind `--mirror`): what a crawl accepts."""

import socket

import pytest
from sqlmodel import Session, select

from pointexit.recorded import RecordedServer
from storage.engine import open_engine
from storage.models import CrawlRun, ExitObservation, ExitRow


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("host", [
    "127.0.0.1",
    pytest.param("::1", marks=pytest.mark.skipif(
        not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")),
])
def test_base_url_crawls_over_ipv4_and_ipv6(host, db_path, run_crawl):
    # Scrapy's default resolver (CachingThreadedResolver) is IPv4-only: a base
    # URL such as http://[::1]:PORT/hapitas failed with "cannot resolve host".
    server = RecordedServer(host=host).start()
    try:
        base = server.base_url("hapitas")
        report = run_crawl(["hapitas"], db_path, base_urls={"hapitas": base})["hapitas"]
        served = server.requests_for("/hapitas/exchange/")
    finally:
        server.stop()

    assert base.startswith("http://[::1]:" if host == "::1" else "http://127.0.0.1:")
    # 8 exits and the Amazon 2% campaign.
    assert (report["verdict"], report["items"], report["new_observations"]) == ("ok", 9, 9)
    assert len(served) == 1
    with Session(open_engine(db_path, create=False)) as s:
        amazon = s.exec(select(ExitRow).where(ExitRow.site == "hapitas",
                                              ExitRow.destination == "amazon_gift")).one()
        [obs] = s.exec(select(ExitObservation).where(ExitObservation.exit_id == amazon.id)).all()
        assert (obs.points_in, obs.value_out) == (490, 500)
        assert (obs.minimum_points, obs.step_points, obs.fee_points) == (490, 490, 0)
        assert (obs.lag_min_days, obs.lag_max_days) == (1, 3)
        assert obs.source_url == f"{base}/exchange/"
        [run] = s.exec(select(CrawlRun)).all()
        assert (run.spider, run.verdict, run.new_observations) == ("hapitas", "ok", 9)
        assert len(s.exec(select(ExitObservation)).all()) == 8
