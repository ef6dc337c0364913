"""A Redis rate-limit storage that costs one round trip per rate-limited request.

limits' fixed window asks Redis three times per request: the `incr` in before_request,
then `get` and `get_expiry` (TTL) in after_request for the X-RateLimit-* headers. Here the
`incr` script also returns the key's TTL, and the answer is kept for the calling thread:
the `get` and `get_expiry` of that key that follow are served from it, each once. Any
other call (another key, a second `get`, a `clear`, a new request) drops the answer and
asks Redis, so nothing read later is stale.

The remaining count in the headers is then the one this request's own increment left,
not whatever other workers had added by the time the view returned.

`one_trip_uri` maps a user's redis://, rediss:// or redis+unix:// URI to the scheme this
storage registers under; redis-py is handed the URI as the user wrote it.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from flask import request_started
from limits.storage import RedisStorage

#: Prepended to a user's scheme: onetrip+redis://host:6379/0 and so on.
SCHEME_PREFIX = "onetrip+"
#: The schemes limits' RedisStorage serves that this storage takes over.
REDIS_SCHEMES = ("redis", "rediss", "redis+unix")

#: INCRBY, EXPIRE on the first hit (as limits' incr_expire.lua does), and the TTL after.
INCR_EXPIRE_TTL = b"""
local current = redis.call("incrby", KEYS[1], ARGV[2])
if current == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


def one_trip_uri(uri: Any) -> Any:
    """The one-trip storage's URI for a Redis URI; any other value unchanged."""
    if isinstance(uri, str) and urllib.parse.urlparse(uri).scheme in REDIS_SCHEMES:
        return SCHEME_PREFIX + uri
    return uri


@dataclass
class _Answer:
    """What one `incr` learnt, until its `get` and `get_expiry` have each used it."""

    storage: OneTripRedisStorage
    key: str
    count: int | None
    expires_at: float | None


class _Answers(threading.local):
    """Per thread: gunicorn's threads of one worker share the storage."""

    last: _Answer | None = None


_answers = _Answers()


def _forget(*_: Any, **__: Any) -> None:
    """A new request starts from Redis, whatever the last one left unread."""
    _answers.last = None


request_started.connect(_forget, weak=False)


class OneTripRedisStorage(RedisStorage):
    """RedisStorage whose `incr` answers the `get`/`get_expiry` that follow it."""

    STORAGE_SCHEME = [SCHEME_PREFIX + scheme for scheme in REDIS_SCHEMES]

    def __init__(self, uri: str, **options: Any) -> None:
        # RedisStorage turns redis+unix:// into unix:// and hands the rest to redis-py.
        super().__init__(uri[len(SCHEME_PREFIX) :], **options)

    def initialize_storage(self, _uri: str) -> None:
        super().initialize_storage(_uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(INCR_EXPIRE_TTL)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        _answers.last = None  # a failed call leaves no earlier answer behind
        count, ttl = self.lua_incr_expire_ttl([self.prefixed_key(key)], [expiry, amount])
        # As RedisStorage.get_expiry: now plus the whole seconds left (0 without expiry).
        _answers.last = _Answer(self, key, int(count), max(int(ttl), 0) + time.time())
        return int(count)

    def get(self, key: str) -> int:
        answer = self._answer_for(key)
        if answer is None or answer.count is None:
            _answers.last = None
            return super().get(key)
        count, answer.count = answer.count, None
        self._drop_if_used(answer)
        return count

    def get_expiry(self, key: str) -> float:
        answer = self._answer_for(key)
        if answer is None or answer.expires_at is None:
            _answers.last = None
            return super().get_expiry(key)
        expires_at, answer.expires_at = answer.expires_at, None
        self._drop_if_used(answer)
        return expires_at

    def clear(self, key: str) -> None:
        _answers.last = None
        super().clear(key)

    def reset(self) -> int | None:
        _answers.last = None
        return super().reset()

    def _answer_for(self, key: str) -> _Answer | None:
        answer = _answers.last
        if answer is not None and answer.storage is self and answer.key == key:
            return answer
        return None

    @staticmethod
    def _drop_if_used(answer: _Answer) -> None:
        if answer.count is None and answer.expires_at is None:
            _answers.last = None
