"""Content negotiation: an Accept header (with q-values) or a `?format=`
override -> one of the representations a resource offers.

Linked-data resources (`/entity/<key>`, `/claim/<hash>`, `/article/<id>`)
offer HTML, Turtle, JSON-LD and N-Triples; `?format=` wins over Accept so a
link can name a representation.  Pure: no Flask imports, so it is tested
directly.
"""
from __future__ import annotations

from kg.formats import FORMATS as ALL_FORMATS
from kg.formats import DataFormat as Format

__all__ = ["FORMATS", "Format", "NotAcceptable", "choose", "parse_accept", "prefers_html"]

#: What linked-data resources offer, in the server's order of preference
#: (the first wins ties, so `*/*` gets HTML); the formats are `kg.formats`'.
FORMATS: tuple[Format, ...] = tuple(ALL_FORMATS[n] for n in ("html", "ttl", "jsonld", "nt"))


class NotAcceptable(ValueError):
    """Nothing the client accepts is offered (HTTP 406), or an unknown
    `?format=` (HTTP 400)."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges and their q-values, in header order; bad q-values count
    as 0 (RFC 9110 section 12.5.1).

    >>> parse_accept("text/html;q=0.5, text/turtle")
    [('text/html', 0.5), ('text/turtle', 1.0)]
    """
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q-value of the most specific range matching `media_type`, and
    that specificity (2 exact, 1 type/*, 0 */*, -1 no match)."""
    kind = media_type.split("/")[0]
    best = (0.0, -1)
    for media, q in ranges:
        if media == media_type:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best


def choose(accept: str | None, override: str | None = None,
           offers: tuple[Format, ...] = FORMATS) -> Format:
    """The representation to answer with.

    Args:
        accept: the Accept header (missing or empty means anything).
        override: a `?format=` value (name, alias or media type).
        offers: what the resource offers, in preference order.

    Raises:
        NotAcceptable: the override is unknown, or the header accepts none
            of the offers.

    >>> choose("text/turtle;q=0.9, application/ld+json").name
    'jsonld'
    >>> choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").name
    'html'
    >>> choose("*/*", override="ttl").name
    'ttl'
    """
    if override:
        wanted = override.strip().lower()
        found = next((f for f in offers if wanted in f.names()), None)
        if found is None:
            names = ", ".join(f.name for f in offers)
            raise NotAcceptable(f"unknown format {override!r}; use one of {names}")
        return found
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    scored = []
    for index, fmt in enumerate(offers):
        # A format answers to its media type, and to its aliases that are
        # media types (application/json for JSON-LD) only when named
        # exactly: `application/*` must not pick Turtle via x-turtle.
        aliases = [a for a in fmt.aliases if "/" in a and a != fmt.media_type]
        exact = [_quality(a, ranges) for a in aliases]
        q, specificity = max([_quality(fmt.media_type, ranges)]
                             + [found for found in exact if found[1] == 2])
        if q > 0:
            scored.append((q, specificity, -index, fmt))
    if not scored:
        raise NotAcceptable("none of the accepted types is offered; this resource is "
                            "available as " + ", ".join(f.media_type for f in offers))
    return max(scored, key=lambda s: s[:3])[3]


def prefers_html(accept: str | None, override: str | None = None,
                 data_type: str = "application/json") -> bool:
    """Whether a resource that is data for programs (the OpenAPI document,
    the VoID description) should answer a page instead: only when the client
    names HTML above the data type, as browsers do.  `*/*`, no header, or a
    tie answers the data, so programs keep what they always got; `?format=
    html` (or `json`, or any other value) decides outright.

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("*/*"), prefers_html(None), prefers_html("application/json")
    (False, False, False)
    >>> prefers_html("text/html", override="json")
    False
    """
    if override:
        return override.strip().lower() in ("html", "text/html")
    ranges = parse_accept(accept)
    html_q, html_specific = _quality("text/html", ranges)
    data_q, data_specific = _quality(data_type, ranges)
    return html_q > 0 and (html_q, html_specific) > (data_q, data_specific)
