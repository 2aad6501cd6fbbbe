"""Invite codes: short enough to read aloud, long enough not to be guessed.

Ten characters from Crockford's base-32 alphabet (no I, L, O or U, so nothing is mistaken for
1 or 0) carry 50 bits from the operating system's random source. Shown as two groups of five.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
# Letters people read or type for the digits they look like.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code in its stored form (ten characters, no separator)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The stored form of what someone typed, or None when it cannot be a code.

    Case, spaces and dashes do not matter, and O, I and L are read as 0, 1 and 1.
    """
    cleaned = "".join(typed.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    """The code as we show it: two groups of five, easier to read aloud."""
    return f"{code[:5]}-{code[5:]}"
