"""Prometheus metrics: HTTP requests and latency, MCP tool calls, database pool.

One registry per process. With several worker processes each serves its own numbers; scrape
every replica (the usual setup behind a load balancer).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "accountlens_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ("route", "method", "status"),
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "accountlens_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ("route",),
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "accountlens_http_requests_in_flight", "Requests being served.", registry=REGISTRY
)
TOOL_CALLS = Counter(
    "accountlens_mcp_tool_calls_total",
    "MCP tool calls by tool and outcome (ok, error).",
    ("tool", "outcome"),
    registry=REGISTRY,
)
TOOL_LATENCY = Histogram(
    "accountlens_mcp_tool_call_duration_seconds",
    "MCP tool call latency by tool.",
    ("tool",),
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


class PoolCollector(Collector):
    """Reads the SQLAlchemy pool's numbers at scrape time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def collect(self) -> list[GaugeMetricFamily]:
        pool = self._engine.sync_engine.pool
        family = GaugeMetricFamily(
            "accountlens_db_pool_connections",
            "Database pool connections by state.",
            labels=["state"],
        )
        checked_out = getattr(pool, "checkedout", lambda: 0)()
        idle = getattr(pool, "checkedin", lambda: 0)()
        family.add_metric(["in_use"], float(checked_out))
        family.add_metric(["idle"], float(idle))
        return [family]


_pool_collector: PoolCollector | None = None


def watch_pool(engine: AsyncEngine) -> None:
    """Report ``engine``'s pool (replacing a previously watched engine)."""
    global _pool_collector
    if _pool_collector is not None:
        REGISTRY.unregister(_pool_collector)
    _pool_collector = PoolCollector(engine)
    REGISTRY.register(_pool_collector)


def render() -> bytes:
    return generate_latest(REGISTRY)
