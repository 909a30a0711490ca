"""The app in the harness's own process, no network: ``python -m bench.inprocess TOOL …``.

Five tools for tuning the request path, each isolating one layer so a change shows up
undiluted (results and how to read them: docs/performance.md):

* ``fixedcost DATA_DIR [CALLS] [--profile LABEL]`` (:mod:`~bench.inprocess.fixedcost`) — CPU,
  SQL statements and round trips per cheap MCP tool call through ``create_app`` on an ASGI
  transport, optionally a cProfile of one call;
* ``pgcpu DATA_DIR [CALLS] [--users …] [--statements]`` (:mod:`~bench.inprocess.pgcpu`) —
  PostgreSQL's CPU per cheap call and user class (``/proc``), and with ``pg_stat_statements``
  preloaded, each statement's planning and execution time;
* ``probe DATA_DIR [ROUNDS] [OPERATION] [--explain]`` (:mod:`~bench.inprocess.probe`) — p50
  and statements per GraphQL operation, no MCP adapter and no HTTP;
* ``readpath DATA_DIR [N]`` (:mod:`~bench.inprocess.readpath`) — CPU per read statement on
  SQLAlchemy's ``AsyncConnection.execute`` against the reader's compiled-text path;
* ``semantic DATA_DIR [CALLS] [--against REV]`` (:mod:`~bench.inprocess.semantic`) — semantic
  search call by call per user class, its keyword leg and the whole call (a generic plan from
  the sixth execution shows as a step), optionally alternating with the code of another commit.

``DATA_DIR`` is a benchmark data folder built by ``python -m bench`` (its ``pgdata``).
"""
