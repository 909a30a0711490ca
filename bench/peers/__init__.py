"""AccountLens next to its peers, interleaved, on the same data: ``python -m bench.peers``.

The same run as ``python -m bench --only peers`` (same options): data, ``accountlens serve``,
the four connections, then the cheap calls and keyword search on four systems:

* ``floor`` (peer 1): the cheapest correct SQL per call and user class, one statement each
  (:mod:`~bench.peers.sql`, :mod:`~bench.peers.search`), on asyncpg in this process
  (:mod:`~bench.peers.floor`);
* ``peer2``: the SDK's ``MCPServer`` answering every call of the step with that SQL, its
  answers built by :mod:`~bench.peers.answers` (:mod:`~bench.peers.server`, ``sql`` mode);
* ``peer3``: the SDK, a bearer check and one ``schema.execute`` of our compiled document
  (:mod:`~bench.peers.server`, ``graphql`` mode);
* ``accountlens``: ``accountlens serve``.

The peers run in their own uvicorn processes (``python -m bench.peers serve MODE PORT CONFIG``,
started by the harness, :mod:`~bench.peers.systems`). Every peer's ``structuredContent`` is
compared with AccountLens's once per call and user class before timing (``as_of`` aside); a
peer that differs is printed as a mismatch, with the first differing value, and the targets
table says so. Then, round after round, each (user class, call) is timed on every system in
turn at one client, and each user class's cheap mix at ``clients`` clients, so a machine that
slows down slows every system alike (:mod:`~bench.peers.compare`). CPU is read from
``/proc/<pid>/stat``: the server's processes (app) and PostgreSQL's (all its processes; one
system runs at a time, so the difference belongs to that system). :mod:`~bench.peers.report`
writes the tables (docs/performance.md, "Peers in the harness").
"""
