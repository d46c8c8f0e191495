"""``LatencyHistogram``: buckets, cumulative report, quantile bounds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.system.metrics.histogram import BATCH_BUCKETS, LatencyHistogram, is_histogram, quantile


def test_observations_land_in_their_bucket_and_report_cumulative() -> None:
    hist = LatencyHistogram((0.001, 0.01))
    for seconds in (0.0005, 0.001, 0.002, 0.5):
        hist.observe(seconds)
    report = hist.as_dict()
    assert report == {"le": [0.001, 0.01], "buckets": [2, 3, 4], "sum": 0.5035, "count": 4}
    assert is_histogram(report) and not is_histogram({"count": 1})
    assert quantile(report, 0.5) == 0.001 and quantile(report, 0.75) == 0.01
    assert quantile(report, 1.0) == float("inf")
    assert quantile(LatencyHistogram().as_dict(), 0.5) is None


@given(st.lists(st.floats(0, 10, allow_nan=False), max_size=50))
def test_the_last_bucket_counts_everything(values: list[float]) -> None:
    hist = LatencyHistogram()
    for v in values:
        hist.observe(v)
    report = hist.as_dict()
    assert report["buckets"][-1] == report["count"] == len(values)
    assert report["buckets"] == sorted(report["buckets"])
    assert len(report["buckets"]) == len(BATCH_BUCKETS) + 1
