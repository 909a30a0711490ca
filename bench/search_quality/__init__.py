"""Search-quality evaluation: graded queries over the small demo, scored per mode and user class.

``python -m bench.search_quality`` prints recall@5, recall@10 and nDCG@10 of ``vector``,
``keyword`` and ``hybrid`` semantic search for each persona (see docs/search-quality.md).
"""
