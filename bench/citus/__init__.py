"""``python -m bench.citus``: AccountLens on a real Citus cluster (see ``__main__``)."""
