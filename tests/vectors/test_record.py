"""Recording activations: layer outputs as transformers reports them, contributions, early stop."""

from __future__ import annotations

import torch
from _tiny import build_tiny_llama, encode, hook_counts

from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.recipe import HookPoint
from emotive_agents.vectors.record import Recorder


def test_recorded_layer_outputs_match_hidden_states(tokenizer) -> None:
    # A model of its own: output_hidden_states makes transformers install hooks of its own on it.
    own = LoadedModel.from_hf(build_tiny_llama(), tokenizer, name="tiny-llama")
    ids = torch.tensor([encode(tokenizer, "Hello there")])
    with torch.no_grad():
        with Recorder(own.model, own.layout, [0, 1], HookPoint.RESIDUAL) as recorder:
            recorder.run(input_ids=ids)
        with Recorder(own.model, own.layout, [1], HookPoint.BLOCK_CONTRIBUTION) as delta:
            delta.run(input_ids=ids)
        assert hook_counts(own.model) == {}
        reference = own.model(input_ids=ids, output_hidden_states=True).hidden_states
    assert torch.allclose(recorder.states[0], reference[1], atol=1e-6)
    assert torch.allclose(recorder.states[1], reference[2], atol=1e-6)
    assert torch.allclose(delta.states[1], reference[2] - reference[1], atol=1e-6)


def test_stop_after_last_skips_later_layers(tiny_llama) -> None:
    ids = torch.tensor([encode(tiny_llama.tokenizer, "Hi")])
    seen: list[int] = []
    keep = seen.append
    with (
        torch.no_grad(),
        Recorder(tiny_llama.model, tiny_llama.layout, [0, 2], keep=lambda i, _: keep(i)) as probe,
    ):
        with Recorder(tiny_llama.model, tiny_llama.layout, [0], stop_after_last=True) as first:
            first.run(input_ids=ids)
        probe.run(input_ids=ids)
    assert seen == [0, 0, 2]  # the stopped forward never reached layer 2
    assert hook_counts(tiny_llama.model) == {}
