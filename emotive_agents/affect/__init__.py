"""Affect reading: classifiers that read emotion from text, for the evaluation judge and the router.

Every reader returns `AffectReading`s over LABELS. Readers: `EmbeddingClassifier` (MiniLM + a
GoEmotions-trained head), `ExemplarClassifier` (similarity to hand-written exemplars), `VaderClassifier`
(valence only), `NadeClassifier` (Plutchik intensities, optional package), `LLMJudge` (any LangChain
chat model, optional), and `EnsembleClassifier` / `default_ensemble()` combining them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports

_EXPORTS = {
    "EmbeddingClassifier": "emotive_agents.affect.embedding",
    "load_head": "emotive_agents.affect.embedding",
    "DEFAULT_WEIGHTS": "emotive_agents.affect.ensemble",
    "EnsembleClassifier": "emotive_agents.affect.ensemble",
    "default_ensemble": "emotive_agents.affect.ensemble",
    "ExemplarClassifier": "emotive_agents.affect.exemplars",
    "NadeClassifier": "emotive_agents.affect.nade_judge",
    "LABELS": "emotive_agents.affect.types",
    "NEGATIVE_LABELS": "emotive_agents.affect.types",
    "AffectClassifier": "emotive_agents.affect.types",
    "AffectReading": "emotive_agents.affect.types",
    "implied_valence": "emotive_agents.affect.types",
    "reading": "emotive_agents.affect.types",
    "VaderClassifier": "emotive_agents.affect.vader",
}

if TYPE_CHECKING:
    from emotive_agents.affect.embedding import EmbeddingClassifier, load_head
    from emotive_agents.affect.ensemble import DEFAULT_WEIGHTS, EnsembleClassifier, default_ensemble
    from emotive_agents.affect.exemplars import ExemplarClassifier
    from emotive_agents.affect.nade_judge import NadeClassifier
    from emotive_agents.affect.types import (
        LABELS,
        NEGATIVE_LABELS,
        AffectClassifier,
        AffectReading,
        implied_valence,
        reading,
    )
    from emotive_agents.affect.vader import VaderClassifier

__all__ = [
    "DEFAULT_WEIGHTS",
    "LABELS",
    "NEGATIVE_LABELS",
    "AffectClassifier",
    "AffectReading",
    "EmbeddingClassifier",
    "EnsembleClassifier",
    "ExemplarClassifier",
    "NadeClassifier",
    "VaderClassifier",
    "default_ensemble",
    "implied_valence",
    "load_head",
    "reading",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
