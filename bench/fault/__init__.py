"""``python -m bench.fault``: load, a PostgreSQL outage and a cross-process revocation.

One command, bounded in time, loopback only. It builds a demo preset into its own embedded
PostgreSQL (a temporary folder unless ``--data-dir``), starts two ``accountlens serve``
processes against that one database (production settings, one public URL, as replicas behind a
load balancer), mints connections through the real OAuth flow, then:

* **A** — ``--clients`` MCP clients call a mix of tools on both processes for ``--seconds``;
* **B** — under the same load, PostgreSQL stops (``pg_ctl stop -m fast``) for ``--outage``
  seconds and starts again; answers meanwhile must be fast 503s and each process must recover
  by itself, without a restart;
* **C** — a connection is revoked through process 1 and process 2 refuses it on the next call;

and finally compares the calls the clients saw succeed with the audit rows and the
connections' last-used times in the database. It prints a table, writes
``bench/results/<date>-fault.json`` and exits 1 if any check failed.

Modules: :mod:`~bench.fault.run` (the run), :mod:`~bench.fault.clients` (the load that keeps every
call as an event), :mod:`~bench.fault.outage` (phase B), :mod:`~bench.fault.revocation` (phase C),
:mod:`~bench.fault.checks` and :mod:`~bench.fault.outagecheck` (figures and pass/fail),
:mod:`~bench.fault.report` (the table). See docs/operations.md, "Load and fault test".
"""
