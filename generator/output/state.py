"""The state of one output folder: the fingerprint of every output of the last successful build."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.cache import code_version, load_state, save_state
from generator.config import Config
from generator.errors import SourceError


class OutputState:
    """The fingerprint of every output file of one output folder, from the last successful build."""

    def __init__(self, config: Config, output: Path, problems: list[SourceError]):
        self.config = config
        self.name = f"outputs-{hashlib.sha256(str(output).encode()).hexdigest()[:12]}.json"
        data = load_state(config, self.name, problems)
        valid = data.get("code") == code_version() and data.get("config") == config.digest
        self.fingerprints: dict[str, str] = data.get("fingerprints", {}) if valid else {}
        self.outputs: set[str] | None = set(data["outputs"]) if valid and "outputs" in data else None
        self.inputs: str | None = data.get("inputs") if valid else None
        self.next_change: str | None = data.get("next_change") if valid else None
        self.counts: dict = data.get("counts", {}) if valid else {}

    def save(self, fingerprints: dict[str, str], outputs: set[str], inputs: str, next_change: str | None,
             counts: dict) -> None:
        save_state(self.config, self.name, {"code": code_version(), "config": self.config.digest,
                                            "fingerprints": fingerprints, "outputs": sorted(outputs),
                                            "inputs": inputs, "next_change": next_change, "counts": counts})
