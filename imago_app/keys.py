"""Short keys for "what a screen shows", so a socket can tell whether a page is out of date."""

import hashlib


def _flatten(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_flatten(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return "[" + ",".join(_flatten(v) for v in items) + "]"
    if hasattr(value, "_meta") and hasattr(value, "pk"):  # a model instance: its identity
        return f"{type(value).__name__}:{value.pk}"
    return repr(value)


def screen_key(value) -> str:
    """A 16-character key that changes exactly when `value` (a view's data) changes."""
    return hashlib.sha256(_flatten(value).encode()).hexdigest()[:16]
