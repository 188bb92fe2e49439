"""Lexical style cues: each fires on its phrases, stays in [0, 1], and is silent on a plain answer."""

from __future__ import annotations

import pytest

from emotive_agents.evaluation.style_cues import CUE_NAMES, cue_features, cue_vector


def _cues(text: str) -> dict[str, float]:
    return dict(zip(CUE_NAMES, cue_vector(text), strict=True))


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Take a slow breath and let your shoulders drop.", "breath"),
        ("It's very common, and the feeling will ease.", "reassure"),
        ("There's no rush; take your time.", "pace"),
        ("Let's do one thing at a time.", "one_at_a_time"),
        ("Happy to explain it again, and it's not a dumb question.", "again"),
        ("First open the lid, then press reset, and finally wait.", "steps"),
        ("Does that help? Tell me what you see.", "check_in"),
        ("Think of it like a labelled box.", "explain"),
        ("You've got this, and you can do it!", "agency"),
        ("This is outrageous and I'm furious.", "anger"),
    ],
)
def test_each_cue_fires_on_its_phrases(text: str, cue: str) -> None:
    assert _cues(text)[cue] > 0


def test_cues_are_capped_and_plain_answers_are_quiet() -> None:
    loud = _cues("Again! Again! Again! Again! Again? Again?")
    assert loud["again"] == 1.0 and loud["exclaim"] == 1.0 and loud["question"] == 1.0
    plain = _cues("Water boils at 100 degrees at sea level.")
    styled = {"breath", "reassure", "pace", "one_at_a_time", "again", "check_in", "agency"}
    assert all(plain[c] == 0 for c in styled) and plain["digits"] > 0
    for text in ("", "x", "You! " * 50):
        assert all(0.0 <= v <= 1.0 for v in cue_vector(text))
    assert tuple(cue_features(["a", "b"]).shape) == (2, len(CUE_NAMES))
    assert tuple(cue_features([]).shape) == (0, len(CUE_NAMES))
