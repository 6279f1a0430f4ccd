"""The build state in .cache/: versioned JSON files; a missing, corrupt or foreign file means "no state".

Deleting .cache/ is always safe: the next build starts from nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .config import Config
from .errors import SourceError

STATE_VERSION = 1
CACHE_DIR = ".cache"


def state_path(config: Config, name: str) -> Path:
    return config.root / CACHE_DIR / name


def load_state(config: Config, name: str, problems: list[SourceError]) -> dict[str, Any]:
    path = state_path(config, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeDecodeError):
        problems.append(SourceError(f"{CACHE_DIR}/{name}", None, None, "unreadable build state, starting afresh",
                                    "it is rebuilt automatically; deleting .cache/ is always safe", "warning"))
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or data.get("base_url") != config.base_url:
        return {}
    return data.get("data", {}) if isinstance(data.get("data"), dict) else {}


def save_state(config: Config, name: str, data: dict[str, Any]) -> None:
    path = state_path(config, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    payload = {"version": STATE_VERSION, "base_url": config.base_url, "data": data}
    temporary.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
