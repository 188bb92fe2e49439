"""Upgrade vector sets to format 2: verify the tensors, then add the checksum over scales and range.

`python -m emotive_agents.vectors.reseal vectors/*/` rewrites each set's metadata.json in place after
checking its tensors against the stored `tensors_sha256` (a set whose tensors do not match is refused,
so this never blesses a tampered file). Format 2 adds `scales_sha256`, which covers `intensity_scale`
and `intensity_range`: an edited calibration is then caught at load like an edited tensor. It is how
the shipped sets were upgraded; run it again after re-calibrating a set by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from safetensors.torch import load_file

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.store import METADATA_FILE, TENSORS_FILE, load_vector_set
from emotive_agents.vectors.vector_set import VectorSetMetadata, sealed, tensors_digest


def reseal(directory: str | Path) -> Path:
    """Rewrite `directory`/metadata.json at the current format; returns its path."""
    folder = Path(directory)
    path = folder / METADATA_FILE
    metadata = VectorSetMetadata.model_validate(json.loads(path.read_text()))
    import torch

    tensors = load_file(str(folder / TENSORS_FILE))
    stacked = torch.stack([tensors[name].float() for name in metadata.emotions])
    if not metadata.tensors_sha256 or tensors_digest(stacked) != metadata.tensors_sha256:
        raise VectorSetError(f"{folder}: tensors do not match tensors_sha256; not resealing")
    path.write_text(sealed(metadata, stacked).model_dump_json(indent=2) + "\n")
    load_vector_set(folder)  # the rewritten set must load
    return path


def main(argv: list[str] | None = None) -> int:
    folders = sys.argv[1:] if argv is None else argv
    if not folders:
        print("usage: python -m emotive_agents.vectors.reseal VECTOR_SET_DIR...", file=sys.stderr)
        return 2
    for folder in folders:
        try:
            print(f"resealed {reseal(folder)}")
        except (VectorSetError, OSError, ValueError) as exc:
            print(f"error: {folder}: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
