"""QR codes drawn as inline SVG (segno): the member card and each active coupon, to be
scanned at a till. Inline SVG needs no script and no image request."""

from __future__ import annotations

import segno
from markupsafe import Markup

from loyalty_portal.portal import bp
from loyalty_portal.portal.common import initial


def qr_svg(text: str, label: str) -> Markup:
    """The QR code of `text`; `label` is its accessible name (segno escapes it)."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(scale=4, border=2, title=label, svgclass="qr-code", omitsize=True)
    # segno writes only its own markup and escapes the title; the data is in the path.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


@bp.app_template_global("qr_svg")
def _qr_svg(text: str, label: str) -> Markup:
    return qr_svg(text, label)


@bp.app_template_filter("initial")
def _initial(text: str) -> str:
    """A card's placeholder letter: the title's first letter, whole."""
    return initial(text, anywhere=True) or "★"
