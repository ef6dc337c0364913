"""Glue shared by the doors (portal, admin, api, auth): error pages, the one commit per
request, the idempotent write, HTMX detection, paging, form submission, access checks and
template helpers."""
