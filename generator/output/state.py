"""The state of one output folder: the fingerprint of every output of the last successful build.

Two files: what the no-op check reads (the inputs digest, the list of outputs, counts) and, beside it, the
fingerprints, read only by a build that renders (at 100,000 articles they are two thirds of the bytes).
The fingerprints file carries the token of the state it belongs to: a build killed between the two
writes leaves fingerprints that are not used.
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path

from generator.cache import code_version, load_state, save_state
from generator.config import Config
from generator.errors import SourceError


class OutputState:
    """The fingerprint of every output file of one output folder, from the last successful build."""

    def __init__(self, config: Config, output: Path, problems: list[SourceError]):
        self.config = config
        folder = hashlib.sha256(str(output).encode()).hexdigest()[:12]
        self.name = f"outputs-{folder}.json"
        self.fingerprints_name = f"fingerprints-{folder}.json"
        self.problems = problems
        data = load_state(config, self.name, problems)
        valid = data.get("code") == code_version() and data.get("config") == config.digest
        self.token: str | None = data.get("token") if valid else None
        self.listed: list[str] = data["outputs"] if valid and "outputs" in data else []  # the outputs, sorted
        self.outputs: set[str] | None = set(self.listed) if valid and "outputs" in data else None
        self.inputs: str | None = data.get("inputs") if valid else None
        self.next_change: str | None = data.get("next_change") if valid else None
        self.counts: dict = data.get("counts", {}) if valid else {}
        self.saved: str | None = None  # the token of the state this build saved

    @cached_property
    def fingerprints(self) -> dict[str, str]:
        if self.token is None:
            return {}
        data = load_state(self.config, self.fingerprints_name, self.problems)
        return data.get("fingerprints", {}) if data.get("token") == self.token else {}

    def save(self, fingerprints: dict[str, str], outputs: set[str], inputs: str, next_change: str | None,
             counts: dict) -> str:
        """Save the state of a build; returns its token."""
        token = os.urandom(8).hex()
        save_state(self.config, self.fingerprints_name, {"token": token, "fingerprints": fingerprints})
        save_state(self.config, self.name, {"code": code_version(), "config": self.config.digest, "token": token,
                                            "outputs": self.listed if outputs == self.outputs else sorted(outputs),
                                            "inputs": inputs,
                                            "next_change": next_change, "counts": counts})
        self.saved = token
        return token
