"""`python -m benchmarks`: help lists the topics; a misspelt topic is a usage
error before any benchmark runs (a typo must not cost a 5-minute run of the rest)."""

from __future__ import annotations

from benchmarks.__main__ import main


def test_help_lists_every_topic(capsys):
    assert main(["--help"]) == 0
    topics = capsys.readouterr().out.splitlines()[-1].split()
    assert topics[0] == "topics:" and {"planner", "plan_quality", "crawl"} <= set(topics[1:])


def test_an_unknown_topic_is_a_usage_error_even_beside_a_known_one(capsys):
    assert main(["planner", "plannr"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing ran
    assert captured.err.startswith("unknown benchmark plannr: choose from ")
