"""The ledger: the only code that changes points (locks, lots, spending, expiry, pending
points, adjustments), the history it leaves and the invariants it keeps."""
