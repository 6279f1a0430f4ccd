"""The reporter: stage timings add up when a stage runs inside another."""

from __future__ import annotations

import io
from types import SimpleNamespace

from generator import report
from generator.report import Reporter


def test_a_stage_inside_another_counts_only_for_itself(monkeypatch):
    clock = iter([0.0, 1.0, 4.0, 5.0]).__next__  # write starts at 0, search runs 1..4, write ends at 5
    monkeypatch.setattr(report, "time", SimpleNamespace(perf_counter=clock))
    reporter = Reporter(verbosity=2, out=io.StringIO())
    with reporter.stage("write"), reporter.stage("search"):
        pass
    assert reporter.timings == {"search": 3.0, "write": 2.0}
    assert sum(reporter.timings.values()) == 5.0


def test_a_stage_run_twice_adds_up(monkeypatch):
    clock = iter([0.0, 1.0, 10.0, 12.5]).__next__
    monkeypatch.setattr(report, "time", SimpleNamespace(perf_counter=clock))
    reporter = Reporter(verbosity=0, out=io.StringIO())
    for _ in range(2):
        with reporter.stage("render"):
            pass
    assert reporter.timings == {"render": 3.5}
