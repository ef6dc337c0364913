"""Webhooks: endpoints (with their secrets and the SSRF guard), fan-out of outbox messages
into deliveries, signing (Standard Webhooks), retries and the delivery log."""
