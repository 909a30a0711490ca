"""Operations: structured logs with request IDs, Prometheus metrics."""
