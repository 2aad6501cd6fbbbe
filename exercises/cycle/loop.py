"""The drawn loop: pure Python, from the two sides' words to the steps round the circle and an
SVG's geometry. A's move is B's trigger, B's feeling leads to B's move, which is A's trigger…"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    who: str  # a partner's name
    kind: str  # "trigger", "feel", "so_i"
    text: str


def steps(a: dict, a_name: str, b: dict, b_name: str) -> list[Step]:
    """The loop's six steps, in order, starting from A's protective move."""

    def feeling(side: dict) -> str:
        fear = side.get("fear", "")
        return f"{side['feel']}; I fear it means {fear}" if fear else side["feel"]

    return [
        Step(a_name, "so_i", a["so_i"]),
        Step(b_name, "trigger", b["trigger"]),
        Step(b_name, "feel", feeling(b)),
        Step(b_name, "so_i", b["so_i"]),
        Step(a_name, "trigger", a["trigger"]),
        Step(a_name, "feel", feeling(a)),
    ]


LABELS = {"so_i": "So {who} …", "trigger": "{who} sees …", "feel": "{who} feels …"}
WIDTH, HEIGHT = 360, 420
BOX_W, BOX_H = 150, 78
LINE = 22  # characters per line in a box


def layout(found: list[Step]) -> dict:
    """Boxes round an oval, each with its label and at most three lines of the words (the full
    words are in the text alternative), and the arrows between them."""
    cx, cy, rx, ry = WIDTH / 2, HEIGHT / 2, WIDTH / 2 - BOX_W / 2 - 4, HEIGHT / 2 - BOX_H / 2 - 4
    boxes = []
    n = len(found)
    for i, step in enumerate(found):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        lines = textwrap.wrap(step.text, LINE)[:3]
        if len(textwrap.wrap(step.text, LINE)) > 3:
            lines[-1] = lines[-1][: LINE - 1] + "…"
        boxes.append(
            {
                "x": round(x - BOX_W / 2, 1),
                "y": round(y - BOX_H / 2, 1),
                "tx": round(x - BOX_W / 2 + 8, 1),
                "cx": round(x, 1),
                "cy": round(y, 1),
                "label": LABELS[step.kind].format(who=step.who),
                "lines": [{"text": t, "dy": 16 * (k + 1) + 14} for k, t in enumerate(lines)],
                "side": 0 if step.who == found[0].who else 1,
            }
        )
    arrows = []
    for i, box in enumerate(boxes):
        nxt = boxes[(i + 1) % n]
        # From a little past this box's centre towards the next, stopping short of it.
        dx, dy = nxt["cx"] - box["cx"], nxt["cy"] - box["cy"]
        length = math.hypot(dx, dy) or 1
        ux, uy = dx / length, dy / length
        pad = 44
        arrows.append(
            {
                "x1": round(box["cx"] + ux * pad, 1),
                "y1": round(box["cy"] + uy * pad, 1),
                "x2": round(nxt["cx"] - ux * pad, 1),
                "y2": round(nxt["cy"] - uy * pad, 1),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "box_w": BOX_W,
        "box_h": BOX_H,
        "boxes": boxes,
        "arrows": arrows,
    }


def drawn(a: dict, a_name: str, b: dict, b_name: str) -> dict:
    """The loop of two sides, as its steps (the text alternative) and the SVG's geometry."""
    found = steps(a, a_name, b, b_name)
    return {"steps": found, "svg": layout(found)}
