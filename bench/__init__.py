"""AccountLens's benchmarks and evaluations: outside the package and the test suite.

Speed is measured here, never asserted by timed tests. One subpackage per purpose, each with
one entry point, ``python -m bench.<part>`` (its module docstring says what it is for):

* :mod:`bench.load` — the main harness over real HTTP: latency, throughput, the raw-SQL
  floor, statement census, recall and answer size (``python -m bench`` runs it too);
* :mod:`bench.peers` — the cheap calls next to the cheapest correct SQL and two minimal
  ``MCPServer`` peers, interleaved (issue 12's targets);
* :mod:`bench.inprocess` — the app in this process, no network: fixed per-call cost
  (``fixedcost``), the GraphQL layer alone (``probe``), CPU per read statement (``readpath``);
* :mod:`bench.fault` — load, a PostgreSQL outage and a revocation across two processes;
* :mod:`bench.citus` — the app on a real Citus cluster;
* :mod:`bench.search_quality` — recall and nDCG of semantic search per mode and user class;
* :mod:`bench.salesforce_export` — a synthetic Salesforce export for the import benchmark.

Results that a document cites live in ``bench/results/`` (see docs/performance.md).
"""
