"""What is done to text people wrote before it is shown to someone else.

Invisible controls can make shown text read as something it is not: a right-to-left override
(U+202E) turns "I'm fine" around, an embedding or isolate reorders what follows, zero-width
spaces hide inside words. `displayable()` removes those. Letters of right-to-left languages,
and the joiners that Persian, Indic scripts and emoji need (U+200C, U+200D), are kept; the
element showing the text carries dir="auto" so a right-to-left message reads right to left
without reordering the page around it.
"""

import re

# Embeddings and overrides (U+202A to U+202E), isolates (U+2066 to U+2069), the zero-width space
# (U+200B), word joiner (U+2060), invisible operators (U+2061 to U+2064), the byte-order mark used
# as a zero-width no-break space (U+FEFF) and the Mongolian vowel separator (U+180E).
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e]")


def displayable(text: str) -> str:
    """The text without the controls that could disguise it."""
    return INVISIBLE.sub("", text)
