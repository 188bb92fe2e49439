"""Affect reading: classifiers that read emotion from text, for the evaluation judge and the router.

Every reader returns `AffectReading`s over LABELS. Readers: `EmbeddingClassifier` (MiniLM + a
GoEmotions-trained head), `ExemplarClassifier` (similarity to hand-written exemplars), `VaderClassifier`
(valence only), `NadeClassifier` (Plutchik intensities, optional package), `LLMJudge` (any LangChain
chat model, optional), and `EnsembleClassifier` / `default_ensemble()` combining them.
"""

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
