"""drivexplain: did a vision-language model look at the right thing?

The installed package maps the repository's top-level folders: `drivexplain.operators`
(per-frame compute), `drivexplain.pipeline` (Ray orchestration, sources, sinks, CLI) and
`drivexplain.synthworld` (the synthetic world the shipped models were trained on). Configs and
the shipped weights travel inside the package (`drivexplain.operators.assets`).

The public names are imported lazily, so `import drivexplain` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

_PUBLIC = {
    "AuditResult": "drivexplain.pipeline.audit",
    "audit": "drivexplain.pipeline.audit",
    "ConceptAttribution": "drivexplain.operators.attribution",
    "ConfigError": "drivexplain.operators.config",
    "DrivexplainConfig": "drivexplain.operators.config",
    "load_config": "drivexplain.operators.config",
    "RunOptions": "drivexplain.pipeline.run",
    "run_pipeline": "drivexplain.pipeline.run",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'drivexplain' has no attribute {name!r}")
    return getattr(import_module(module), name)
