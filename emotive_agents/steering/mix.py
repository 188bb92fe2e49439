"""EmotionMix and its coefficient matrix, re-exported from where they live (`emotive_agents.mix`, vectors)."""

from emotive_agents.mix import MAX_INTENSITY, EmotionMix
from emotive_agents.vectors.deltas import coefficient_matrix

__all__ = ["MAX_INTENSITY", "EmotionMix", "coefficient_matrix"]
