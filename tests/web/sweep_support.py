"""Helpers for the boundary sweep: which query arguments a route reads, and the forms a
page offers with the values they come filled with."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict

from loyalty_portal.api.routing import ROUTES


class RecordingArgs(ImmutableMultiDict[str, str]):
    """Query arguments that note every name a view asks for."""

    asked: set[str] = set()

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        RecordingArgs.asked.add(key)
        return super().get(key, *args, **kwargs)

    def __getitem__(self, key: str) -> str:
        RecordingArgs.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        RecordingArgs.asked.add(str(key))
        return super().__contains__(key)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:
        RecordingArgs.asked.add(key)
        return super().getlist(key, *args, **kwargs)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


def record_query_names(app: Flask) -> None:
    app.request_class = RecordingRequest


def api_query_names(endpoint: str) -> set[str]:
    """The query fields of an API route's pydantic model (read with to_dict, not get)."""
    name = endpoint.split(".", 1)[1]
    for spec in ROUTES:
        if spec.endpoint == name or name.startswith(spec.endpoint + "_legacy"):
            if spec.query is None:
                return set()
            return {f.alias or n for n, f in spec.query.model_fields.items()}
    return set()


@dataclass
class PageForm:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self.forms.append(PageForm(a.get("action") or self.page_path, method))
            return
        if not self.forms or not a.get("name"):
            return
        values = self.forms[-1].values
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                values.setdefault(name, "")
                return
            if kind != "file":
                values[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
            values.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            values[name] = ""
        elif tag == "button" and a.get("value"):
            values.setdefault(name, a["value"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_option(self, attrs: dict[str, str]) -> None:
        if (
            self._select
            and self.forms
            and ("selected" in attrs or not self.forms[-1].values[self._select])
        ):
            self.forms[-1].values[self._select] = attrs.get("value", "")


class _OptionAwareParser(_FormParser):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option":
            self.handle_option({k: v or "" for k, v in attrs})
            return
        super().handle_starttag(tag, attrs)


def page_forms(html: str, page_path: str) -> list[PageForm]:
    """Every form of the page with its prefilled values (first option of a select)."""
    parser = _OptionAwareParser(page_path)
    parser.feed(html)
    return parser.forms
