"""The in-memory channel layer of a single process, with its clean-up paced.

Channels' InMemoryChannelLayer walks every channel and group for expired messages on every send
and receive: with a few hundred open sockets that walk cost more than a move's templates
(bench/README.md, the profile). Expiry is a minute, so walking at most once a second changes
nothing anyone can see. With REDIS_URL set, channels_redis is used instead.
"""

import time

from channels.layers import InMemoryChannelLayer

CLEAN_EVERY = 1.0  # seconds


class PacedInMemoryChannelLayer(InMemoryChannelLayer):
    _cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()
