"""Evaluation: fluency and emotion metrics, judges, and the alpha-sweep harness."""
