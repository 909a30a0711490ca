"""The main benchmark harness: ``python -m bench.load`` (also ``python -m bench``).

It builds (or reuses) a demo preset (:mod:`~bench.load.dataset`), starts ``accountlens serve``
(:mod:`~bench.load.server`), mints a connection per user class through the real OAuth flow
(:mod:`~bench.load.connect`), discovers each user's mix of calls (:mod:`~bench.load.workload`),
then drives closed-loop clients over HTTP (:mod:`~bench.load.driver`, through the minimal
client :mod:`~bench.load.mcp_client`), times the hand-written SQL floor
(:mod:`~bench.load.floor`), measures semantic recall@10 (:mod:`~bench.load.recall`), counts
statements and profiles the slowest call in process (:mod:`~bench.load.census`) and writes the
tables (:mod:`~bench.load.report`). :mod:`~bench.load.run` orders the steps. The other
benchmarks reuse the data, server, connection and client modules from here.

Options and results: docs/performance.md. ``--only peers`` is :mod:`bench.peers`.
"""
