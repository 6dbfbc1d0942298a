"""Header mappings the office taught the Upload page, remembered for the next file.

Kept as a small JSON file beside the store ({header as written: canonical field}); written
atomically so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember(path: Path, mapping: dict[str, str]) -> dict[str, str]:
    """Merge ``mapping`` into the remembered ones and save; returns the merged mapping."""
    merged = load(path) | {k: v for k, v in mapping.items() if k and v}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)
    return merged
