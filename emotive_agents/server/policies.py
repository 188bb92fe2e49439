"""The router policies a server may use: registered by name at start, never loaded from a request.

A request's `policy` is only ever a key into this registry, so no request can make the server read a
file, and an unknown name gets the same answer whether or not a file of that name exists. The operator
registers policies at start: the shipped ones, `serve --policy NAME_OR_FILE` (repeatable; the first is
the default for requests without `emotion`) and every `*.yaml` / `*.yml` / `*.json` in `--policy-dir`.
A file policy is registered under its `name` field and must only name emotions the vector set has.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from emotive_agents.affect.types import AffectClassifier, AffectReading
from emotive_agents.router.policy import SHIPPED_POLICIES, Policy, PolicyError, load_policy

MAX_POLICY_BYTES = 256 * 1024
POLICY_SUFFIXES = (".yaml", ".yml", ".json")
POLICY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_POLICY = "support"


class PolicyRegistry:
    """Policies by name, all loaded and checked at start; `default` serves requests without `emotion`."""

    def __init__(self, policies: Mapping[str, Policy], default: str | None = None) -> None:
        if default is not None and default not in policies:
            raise PolicyError(f"the default policy {default!r} is not registered")
        self.policies = dict(policies)
        self.default = default

    @property
    def names(self) -> list[str]:
        return sorted(self.policies)

    def __contains__(self, name: object) -> bool:
        return name in self.policies

    def __getitem__(self, name: str) -> Policy:
        return self.policies[name]

    @classmethod
    def build(
        cls,
        sources: Sequence[str] = (),
        *,
        policy_dir: str | Path | None = None,
        emotions: Iterable[str] | None = None,
        default_first: bool = True,
    ) -> PolicyRegistry:
        """Shipped policies plus the operator's; the first of `sources` becomes the default (unless
        `default_first` is False: then requests route only when they ask for `emotion: auto`).

        Raises PolicyError (one clear line) for a missing, oversized, malformed or clashing policy.
        """
        known = None if emotions is None else [e for e in emotions if e != "base"]
        policies: dict[str, Policy] = {name: load_policy(name) for name in SHIPPED_POLICIES}
        operator: dict[str, str] = {}  # name -> where it came from, to report clashes

        def add(source: str, where: str) -> str:
            if source in SHIPPED_POLICIES:
                return source
            policy = _load_file(Path(source), known)
            name = policy.name
            if not POLICY_NAME.match(name):
                raise PolicyError(
                    f"policy file {source}: its name {name!r} is not usable in requests "
                    "(letters, digits, '_', '.', '-'; up to 64 characters)"
                )
            if name in operator and operator[name] != where:
                raise PolicyError(f"two policies are named {name!r}: {operator[name]} and {where}")
            operator[name] = where
            policies[name] = policy
            return name

        registered = [add(source, source) for source in sources]
        if policy_dir is not None:
            folder = Path(policy_dir)
            if not folder.is_dir():
                raise PolicyError(f"--policy-dir {folder} is not a directory")
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in POLICY_SUFFIXES and path.is_file():
                    add(str(path), str(path))
        return cls(policies, registered[0] if registered and default_first else None)


def _load_file(path: Path, emotions: Sequence[str] | None) -> Policy:
    if not path.is_file():
        raise PolicyError(
            f"policy {str(path)!r} is neither a shipped policy {sorted(SHIPPED_POLICIES)} nor a file"
        )
    size = path.stat().st_size
    if size > MAX_POLICY_BYTES:
        raise PolicyError(f"policy file {path} is {size} bytes; the limit is {MAX_POLICY_BYTES}")
    return load_policy(path, emotions=emotions)


class SharedClassifier:
    """One affect reader for every router of the server, built on first use (thread-safe).

    Routers are built at start, one per registered policy; sharing the reader keeps their memory to one
    model whatever the number of policies, and a server that never routes never loads it.
    """

    def __init__(self, name: str, *, device: str = "cpu", engine: object = None) -> None:
        self.name = name
        self._device = device
        self._engine = engine
        self._reader: AffectClassifier | None = None
        self._lock = threading.Lock()

    def _get(self) -> AffectClassifier:
        with self._lock:
            if self._reader is None:
                from emotive_agents.router.router import make_classifier

                self._reader = make_classifier(self.name, device=self._device, engine=self._engine)
            return self._reader

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        return self._get().predict(texts)
