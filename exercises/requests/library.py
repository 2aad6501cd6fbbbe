"""The micro-stretch library. It is data (data/micro_stretches.json), easy to extend."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "micro_stretches.json"


@cache
def micro_stretches() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def micro_stretch(slug: str) -> dict | None:
    return next((m for m in micro_stretches() if m["slug"] == slug), None)
