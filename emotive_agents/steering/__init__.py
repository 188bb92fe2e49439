"""Steering: emotion mixes and the scoped hooks that apply them."""

from emotive_agents.steering.hooks import Steering, layer_deltas, steer
from emotive_agents.steering.mix import MAX_INTENSITY, EmotionMix, coefficient_matrix

__all__ = ["MAX_INTENSITY", "EmotionMix", "Steering", "coefficient_matrix", "layer_deltas", "steer"]
