"""Who did it: the source recorded on entries and in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    label: str
    account_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def admin(cls, account: Any) -> Actor:
        return cls(f"admin:{account.email}", account_id=account.id)

    @classmethod
    def api_key(cls, key: Any) -> Actor:
        return cls(f"api_key:{key.name}", api_key_id=key.id)

    @classmethod
    def member(cls, user_id: str) -> Actor:
        return cls(f"member:{user_id}")

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(f"system:{what}")

    def source(self) -> dict[str, Any]:
        """Ledger-entry source columns for this actor."""
        return {
            "actor_account_id": self.account_id,
            "api_key_id": self.api_key_id,
            "source_note": None if (self.account_id or self.api_key_id) else self.label[:64],
        }
