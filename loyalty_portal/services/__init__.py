"""The domain, one package per bounded context. Dependencies run one way:

    core -> program -> ledger -> members -> earning | rewards -> analytics

(a package may import the ones before it, never after; `make test` checks this with an
import-linter contract). Services are plain typed functions that flush but never commit
and raise `core.errors.DomainError`; the doors (portal, admin, api, cli) commit once.
"""
