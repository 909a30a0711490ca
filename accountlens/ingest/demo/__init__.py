"""The deterministic demo workspace (SPEC §7): two orgs, every object type, at three scales.

``build_demo`` is the entry point (used by ``accountlens demo`` and the test fixtures); the
submodules split the work by meaning: ``cast`` (orgs, users, teams), ``accounts``/``people``/
``pipeline``/``engagement``/``work``/``usage``/``meetings`` (rows per object family),
``corpus``/``transcripts``/``kb`` (text), ``generator`` (pure batching), ``writer`` (COPY) and
``build`` (the transaction, embeddings and progress).
"""

from accountlens.ingest.demo.build import DemoExistsError, build_demo
from accountlens.ingest.demo.cast import DEMO_ORG_SLUGS, DEMO_PASSWORDS
from accountlens.ingest.demo.presets import PRESETS, Preset, Scale
from accountlens.ingest.demo.summary import DemoLogin, DemoOrg, DemoSummary

__all__ = [
    "DEMO_ORG_SLUGS",
    "DEMO_PASSWORDS",
    "PRESETS",
    "DemoExistsError",
    "DemoLogin",
    "DemoOrg",
    "DemoSummary",
    "Preset",
    "Scale",
    "build_demo",
]
