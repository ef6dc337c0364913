"""The session services take.

Services are handed either a plain `Session` (tests, scripts) or Flask-SQLAlchemy's
`db.session`, a `scoped_session` that proxies the request's session. `scoped_session` is
invariant in its session class and Flask-SQLAlchemy's is its own `Session` subclass, so the
proxy is typed `scoped_session[Any]`: the methods services call on it (`execute`, `scalars`,
`get`, `add`, `flush`, ...) are declared on `scoped_session` itself and do not depend on it.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy.orm import Session, scoped_session

DbSession: TypeAlias = Session | scoped_session[Any]
