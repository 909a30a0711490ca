"""The benchmark harness (issue 6): latency, throughput, recall and answer size over real HTTP.

Run it with ``python -m bench`` (see ``docs/performance.md``). It lives outside the package and
the test suite: speed is measured here, never asserted by timed tests.
"""
