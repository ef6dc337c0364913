"""Pydantic models of the /v1 API: they validate requests, shape responses and are the
source of /v1/openapi.json."""
