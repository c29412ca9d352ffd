"""HTML built in Python rather than in templates, where every piece of text
is escaped here and only our own tags are added.

- `safe_highlight`: the search snippet from `kg.search` is escaped text with
  `<mark>` added; this re-checks that instead of trusting it (`|safe` is
  never applied to text that came from an article).
- `marked_text`: an article's text with entity mentions linked and claim
  sentences marked, built from character offsets.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable

from markupsafe import Markup, escape

__all__ = ["Span", "marked_text", "safe_highlight", "span_anchor"]

_MARK = re.compile(r"(</?mark>)")


def safe_highlight(snippet: str) -> Markup:
    """A search highlight as markup: text pieces are unescaped and escaped
    again (so raw `<`, `>`, `&` or quotes cannot survive) and only balanced
    `<mark>`/`</mark>` tags are kept.

    >>> str(safe_highlight("a <mark>b</mark> &lt;i&gt; <script>"))
    'a <mark>b</mark> &lt;i&gt; &lt;script&gt;'
    """
    out: list[str] = []
    open_mark = False
    for piece in _MARK.split(snippet or ""):
        if piece == "<mark>" and not open_mark:
            out.append(piece)
            open_mark = True
        elif piece == "</mark>" and open_mark:
            out.append(piece)
            open_mark = False
        elif piece in ("<mark>", "</mark>"):
            continue
        else:
            out.append(str(escape(html.unescape(piece))))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))


def span_anchor(start: int, end: int) -> str:
    """The fragment id of a claim sentence on the article page."""
    return f"c{start}-{end}"


@dataclass(frozen=True)
class Span:
    """A stretch of the text to wrap: a claim sentence or an entity mention."""

    start: int
    end: int
    kind: str  # "claim" or "mention"
    classes: str = ""
    href: str = ""
    title: str = ""


def _open(span: Span, first: bool) -> str:
    attrs = [f'class="{escape(span.kind + (" " + span.classes if span.classes else ""))}"']
    if span.kind == "claim":
        anchor = span_anchor(span.start, span.end)
        attrs.append(f'data-span="{anchor}"')
        if first:
            attrs.append(f'id="{anchor}"')
        if span.title:
            attrs.append(f'title="{escape(span.title)}"')
        return f"<mark {' '.join(attrs)}>"
    attrs.insert(0, f'href="{escape(span.href)}"')
    if span.title:
        attrs.append(f'title="{escape(span.title)}"')
    return f"<a {' '.join(attrs)}>"


def _close(span: Span) -> str:
    return "</mark>" if span.kind == "claim" else "</a>"


def _mentions_without_overlap(spans: Iterable[Span]) -> list[Span]:
    """Longest mentions first; a mention overlapping a kept one is dropped
    (a link inside a link is not allowed)."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return kept


def marked_text(text: str, spans: Iterable[Span]) -> Markup:
    """`text` with `spans` wrapped, every text piece escaped.

    Claim spans become `<mark class="claim ..." id="c<start>-<end>">`, with
    the id on the first fragment (spans that cross are split so the HTML
    stays nested); mentions become links.  Offsets outside the text are
    clipped; empty spans are ignored.  Line breaks are kept by CSS
    (`white-space: pre-wrap`), so the text is not reflowed.

    >>> str(marked_text("A <b> B", [Span(0, 1, "mention", href="/entity/a")]))
    '<a href="/entity/a" class="mention">A</a> &lt;b&gt; B'
    """
    spans = list(spans)
    size = len(text)
    claims = [s for s in spans if s.kind == "claim"]
    mentions = [s for s in spans if s.kind == "mention"]
    wanted = [Span(max(0, s.start), min(size, s.end), s.kind, s.classes, s.href, s.title)
              for s in claims + _mentions_without_overlap(mentions)]
    wanted = [s for s in wanted if s.start < s.end]
    bounds = sorted({0, size} | {s.start for s in wanted} | {s.end for s in wanted})
    order = {"claim": 0, "mention": 1}
    out: list[str] = []
    stack: list[Span] = []
    opened: set[Span] = set()
    for left, right in zip(bounds, bounds[1:]):
        active = sorted((s for s in wanted if s.start <= left and s.end >= right),
                        key=lambda s: (order[s.kind], s.start, -s.end, s.classes))
        common = 0
        while common < min(len(stack), len(active)) and stack[common] == active[common]:
            common += 1
        for span in reversed(stack[common:]):
            out.append(_close(span))
        stack = stack[:common]
        for span in active[common:]:
            out.append(_open(span, span not in opened))
            opened.add(span)
            stack.append(span)
        out.append(str(escape(text[left:right])))
    for span in reversed(stack):
        out.append(_close(span))
    return Markup("".join(out))
