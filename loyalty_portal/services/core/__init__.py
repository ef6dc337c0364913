"""What every context shares: errors, validation, audit, actors, SQL helpers, paging and
idempotency keys."""
