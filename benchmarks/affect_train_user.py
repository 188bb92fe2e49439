"""Train the router's user-turn MiniLM head: GoEmotions plus project-written user turns (lab code).

    python -m benchmarks.affect_train_user --data ../shared/data/goemotions_ekman \
        --out emotive_agents/data/router/minilm_head

Why a second head: the GoEmotions head (`train.py`, kept for the evaluation judge) learned Reddit's
Ekman mapping, where desire, caring, approval and optimism count as joy and curiosity and confusion
count as surprise, and 38 % of the rows are joy. On user turns that reads "please fix it" and "I hope I
don't lose my job" as joy and "How do I...?" as surprise (docs/router.md, "The user-emotion reader").
This head trains on GoEmotions with the project's user turns (`data/affect/user_turns.json`, split
'train') oversampled, subtracts `beta` x the log label prior of GoEmotions from its logits (logit
adjustment, baked into the output bias), and picks oversampling, class weighting, beta and the epoch on
the turns' 'tune' split (macro recall), with GoEmotions dev macro-F1 as a floor. Seeded; re-running it
reproduces the shipped weights. Embeddings of GoEmotions are cached like `train.py`'s.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import save_file

from benchmarks.affect_train import DATA_CARD, Split, class_weights, default_cache_dir, embed_split
from benchmarks.affect_train import evaluate as goemotions_metrics
from emotive_agents.affect.embedding import CARD_FILE, HEAD_FILE, AffectHead, HeadArchitecture, HeadCard
from emotive_agents.affect.types import LABELS
from emotive_agents.affect.user_turns import (
    TURN_BANK,
    TURN_SPLITS,
    USER_TURNS,
    load_user_turns,
    write_turn_bank,
)

# GoEmotions dev macro-F1 may fall at most this far under the GoEmotions-only head's (0.527 in its card):
# the head must still read Reddit-style text, not only the project's phrasings.
DEV_F1_FLOOR = 0.49


def macro_recall(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS) -> float:
    """Mean over `labels` (those present in gold) of the share of each label's rows read as it."""
    recalls = []
    for label in labels:
        rows = [p for g, p in zip(gold, predicted, strict=True) if g == label]
        if rows:
            recalls.append(sum(p == label for p in rows) / len(rows))
    return sum(recalls) / len(recalls) if recalls else float("nan")


class UserTrial(BaseModel):
    """One grid point: how much the user turns count, class weighting and the prior correction."""

    model_config = ConfigDict(frozen=True)

    oversample: int = Field(ge=0)  # each user 'train' turn is repeated this many times per epoch
    power: float = Field(ge=0.0)  # GoEmotions class weight = (inverse frequency) ** power
    betas: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)  # logit adjustment, chosen per epoch


def grid() -> list[UserTrial]:
    """The earlier runs' winner only (docs/router.md: oversampling 0, 10, 30, 60 x power 0.35, 0.6 on the
    first 224 train turns, then 10 / 20 x 0.35 / 0.6; 20 / 0.6 was shipped). Narrowed so that a rerun
    on the shared 2-core machine takes minutes; beta and the epoch are still chosen on the tune split."""
    return [UserTrial(oversample=20, power=0.6)]


def _labels_of(logits: torch.Tensor) -> list[str]:
    return [LABELS[i] for i in logits.argmax(-1).tolist()]


def train_user_head(
    trial: UserTrial,
    goemotions: Split,
    dev: Split,
    turns: tuple[torch.Tensor, list[str]],
    tune: tuple[torch.Tensor, list[str]],
    *,
    arch: HeadArchitecture,
    epochs: int = 25,
    lr: float = 3e-3,
    seed: int = 0,
) -> tuple[AffectHead, dict[str, float]]:
    """AdamW on GoEmotions single-label rows + oversampled user turns; keeps the best (epoch, beta).

    Best = highest tune macro recall among points with GoEmotions dev macro-F1 >= DEV_F1_FLOOR (ties:
    higher dev macro-F1); when no point clears the floor, the highest dev macro-F1.
    """
    torch.manual_seed(seed)
    x_goe, y_goe = goemotions.targets("single")
    weight_goe = y_goe @ class_weights(y_goe, trial.power)  # per-row weight, mean 1
    x_user = turns[0].float()
    y_user = torch.nn.functional.one_hot(
        torch.tensor([LABELS.index(label) for label in turns[1]]), len(LABELS)
    ).float()
    x = torch.cat([x_goe] + [x_user] * trial.oversample)
    y = torch.cat([y_goe] + [y_user] * trial.oversample)
    w = torch.cat([weight_goe] + [torch.ones(len(x_user))] * trial.oversample)
    log_prior = y_goe.mean(0).clamp_min(1e-4).log()

    head = AffectHead(arch)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=1e-2)
    best: tuple[tuple[float, float], dict[str, torch.Tensor], dict[str, float]] | None = None
    for epoch in range(1, epochs + 1):
        head.train()
        for idx in torch.randperm(len(x)).split(256):
            loss = torch.nn.functional.cross_entropy(head(x[idx]), y[idx], reduction="none")
            loss = (loss * w[idx]).sum() / w[idx].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        with torch.no_grad():
            dev_logits, tune_logits = head(dev.embeddings), head(tune[0].float())
        for beta in trial.betas:
            shift = beta * log_prior
            dev_f1 = goemotions_metrics(dev_logits - shift, dev)["macro_f1"]
            recall = macro_recall(tune[1], _labels_of(tune_logits - shift))
            key = (recall if dev_f1 >= DEV_F1_FLOOR else -1.0 + dev_f1, dev_f1)
            if best is None or key > best[0]:
                state = {k: v.detach().clone() for k, v in head.state_dict().items()}
                best = (
                    key,
                    state,
                    {"epoch": epoch, "beta": beta, "tune_macro_recall": recall, "dev_macro_f1": dev_f1},
                )
    assert best is not None
    head.load_state_dict(best[1])
    _bake_shift(head, best[2]["beta"] * log_prior)
    return head.eval(), best[2]


def _bake_shift(head: AffectHead, shift: torch.Tensor) -> None:
    """Subtract `shift` from the output layer's bias, so the shipped head needs no new card field."""
    last = [m for m in head.net.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.bias.sub_(shift)


def fit_temperature(logits: torch.Tensor, gold: Sequence[str]) -> float:
    """The temperature minimising NLL on the tune turns (the register the router reads)."""
    target = torch.tensor([LABELS.index(label) for label in gold])
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), target)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="goemotions_ekman folder")
    parser.add_argument("--turns", type=Path, default=USER_TURNS, help="labelled user turns (JSON)")
    parser.add_argument("--out", type=Path, required=True, help="folder for head.safetensors + card.json")
    parser.add_argument(
        "--bank-out", type=Path, default=TURN_BANK, help="the nearest-turn reader's precomputed bank"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding cache (default: user cache)")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    from emotive_agents.models.embeddings import default_embedder

    embedder = default_embedder("cpu")
    cache = args.cache_dir or default_cache_dir()
    splits = {s: Split(*embed_split(args.data, s, embedder, cache)) for s in ("train", "dev", "test")}
    by_split = {s: load_user_turns(args.turns, s) for s in TURN_SPLITS}
    turns = {
        s: (embedder.embed([r.text for r in rows]).float(), [r.label for r in rows])
        for s, rows in by_split.items()
    }
    arch = HeadArchitecture(kind="mlp", hidden=256, dropout=0.2)

    started = time.perf_counter()
    trials = []
    for trial in grid():
        head, found = train_user_head(
            trial,
            splits["train"],
            splits["dev"],
            turns["train"],
            turns["tune"],
            arch=arch,
            epochs=args.epochs,
            seed=args.seed,
        )
        trials.append((trial, found, head))
        print(f"{trial.model_dump()} -> {json.dumps({k: round(v, 4) for k, v in found.items()})}", flush=True)

    def key(t: tuple[UserTrial, dict[str, float], AffectHead]) -> tuple[float, float]:
        f = t[1]
        return (f["tune_macro_recall"] if f["dev_macro_f1"] >= DEV_F1_FLOOR else -1.0, f["dev_macro_f1"])

    trial, found, head = max(trials, key=key)
    train_s = time.perf_counter() - started
    with torch.no_grad():
        temperature = fit_temperature(head(turns["tune"][0]), turns["tune"][1])
        metrics = {s: goemotions_metrics(head(splits[s].embeddings), splits[s]) for s in ("dev", "test")}
        for s in TURN_SPLITS:
            predicted = _labels_of(head(turns[s][0]))
            metrics[f"user_turns_{s}"] = {
                "macro_recall": macro_recall(turns[s][1], predicted),
                "accuracy": sum(p == g for p, g in zip(predicted, turns[s][1], strict=True)) / len(predicted),
            }
    card = HeadCard(
        architecture=arch,
        temperature=temperature,
        data={
            **DATA_CARD,
            "user_turns": f"{args.turns.name} (project-written, CC0): "
            + ", ".join(f"{s} {len(rows)}" for s, rows in by_split.items()),
            "goemotions_rows_used": int(splits["train"].single.sum()),
        },
        training={
            **trial.model_dump(mode="json"),
            "chosen": {k: round(v, 4) for k, v in found.items()},
            "selection": f"max user-turn tune macro recall with GoEmotions dev macro-F1 >= {DEV_F1_FLOOR}, "
            "over the grid x epochs x beta; beta x log GoEmotions prior subtracted from the output bias; "
            "temperature: min tune NLL",
            "optimiser": "AdamW lr 3e-3 wd 1e-2, batch 256, weighted cross-entropy",
            "seed": args.seed,
            "epochs": args.epochs,
            "grid": [
                {**t.model_dump(mode="json"), **{k: round(v, 4) for k, v in f.items()}} for t, f, _ in trials
            ],
            "training_seconds": round(train_s, 1),
            "threads": args.threads,
            "command": "python -m benchmarks.affect_train_user --data ../shared/data/goemotions_ekman "
            "--out emotive_agents/data/router/minilm_head",
        },
        metrics={s: {k: round(v, 4) for k, v in m.items()} for s, m in metrics.items()},
    )
    args.out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(args.out / HEAD_FILE))
    (args.out / CARD_FILE).write_text(json.dumps(card.model_dump(mode="json"), indent=2) + "\n")
    print(
        json.dumps(
            {
                "chosen": card.training["chosen"],
                "temperature": round(temperature, 3),
                "metrics": card.metrics,
            },
            indent=1,
        )
    )
    rows = write_turn_bank(embedder, args.bank_out, args.turns)
    print(f"wrote {args.out} (training {train_s:.0f} s) and {args.bank_out} ({rows} turns)")


if __name__ == "__main__":
    main()
