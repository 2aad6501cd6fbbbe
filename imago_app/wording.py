"""Wording checks more than one practice uses (the dialogue's hints, the exercises' phrasing).

Kept in the core so that a practice never imports another for them.
"""

import re

# Words that point at the partner rather than describe one's own side.
BLAMING = re.compile(
    r"\byou\s+(always|never|made me|make me|don'?t care|should(?:n'?t)?|ruin(?:ed)?)\b"
    r"|\byour fault\b|\bbecause of you\b|\byou(?:'re| are) (?:so|such|always|never|selfish|lazy)\b",
    re.IGNORECASE,
)
