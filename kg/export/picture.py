"""The SVG diagram: a picture of the selection to print or put on a slide.

Entities are boxes coloured by type (a colour-blind-safe palette, with a
legend); relations are arrows labelled with the predicate, drawn solid when
stated, dotted when hedged, dash-dotted when reported as under study and
dashed (in red) when the article denies them.  A title says what was
selected, and the source lines name every article.  The layout comes from
`kg.export.layout`.

Every piece of text -- entity labels, article titles, evidence in tooltips --
comes from articles, so it is written through ElementTree, which escapes it;
characters XML cannot hold are dropped.  The file uses no scripts, no
external fonts or images and no <style> element (presentation attributes
only), so it is safe to open, embed or serve.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest import domain

from ..errors import QueryError
from .layout import BOX_HEIGHT, FONT_SIZE, TYPE_ORDER, Layout, edge_style, layout, text_width

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["COLOURS", "MAX_ENTITIES", "LINE_STYLES", "predicate_label", "to_svg", "write_svg"]

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
#: Entity type -> (stroke, fill): Okabe-Ito colours and a pale tint of each.
COLOURS = {
    "Drug": ("#0072B2", "#D6E9F5"), "Chemical": ("#009E73", "#D3F0E7"),
    "Receptor": ("#D55E00", "#F9E0CF"), "Mechanism": ("#CC79A7", "#F5E2EE"),
    "Condition": ("#E69F00", "#FBEFCF"), "AdverseEffect": ("#A6761D", "#F1E6D1"),
    "Procedure": ("#56B4E9", "#E0F1FB"), "Route": ("#7F7F7F", "#ECECEC"),
    "Entity": ("#555555", "#F2F2F2"),
}
#: modality -> (dash pattern, colour, legend words: the domain table's label)
LINE_STYLES = {name: (dash, colour, domain.MODALITIES[name].label) for name, dash, colour in (
    ("asserted", "", "#3A3A3A"), ("hedged", "1.5 4", "#3A3A3A"),
    ("investigational", "9 4 2 4", "#3A3A3A"), ("negated", "8 5", "#B2182B"))}
MAX_ENTITIES = 250
MARGIN = 36
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: object) -> str:
    """Text XML can hold (ElementTree escapes the rest when writing).

    >>> clean("a\\x00b <c>")
    'ab <c>'
    """
    return _BAD_XML.sub("", str(text))


def predicate_label(predicate: str) -> str:
    """A predicate in words (the domain table's label).

    >>> predicate_label("hasAdverseEffect")
    'has adverse effect'
    """
    words = domain.PREDICATES.get(predicate)
    return words.label if words else re.sub(r"(?<=[a-z])(?=[A-Z])", " ", predicate).lower()


def type_label(kind: str) -> str:
    """An entity type in words (the domain table's label)."""
    words = domain.TYPES.get(kind)
    return words.label if words else kind.lower()


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SVG_NS}}}{tag}",
                            {k.rstrip("_").replace("_", "-"): clean(v) for k, v in attrs.items()
                             if v is not None})
    if text is not None:
        element.text = clean(text)
    return element


_style = edge_style


def _bezier(p0, p1, p2, p3, t):
    u = 1 - t
    return tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d
                 for a, b, c, d in zip(p0, p1, p2, p3))


def _wrap(text: str, width: float, size: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and text_width(trial, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def _source_lines(sub: "nx.MultiDiGraph") -> list[str]:
    articles = list(sub.graph.get("articles", {}).values())
    lines = []
    for meta in articles[:6]:
        extra = ", ".join(v for v in (meta.get("source"), meta.get("date")) if v)
        lines.append(f"“{meta['title']}”" + (f" ({extra})" if extra else ""))
    if len(articles) > 6:
        lines.append(f"… and {len(articles) - 6} more articles (listed in the data files "
                     f"and the teaching pack)")
    return lines


def _stroke_width(data: dict) -> float:
    """Thicker for relations more articles state."""
    return 1.4 + 0.8 * min(math.log2(max(int(data.get("articles", 1)), 1)), 3)


class _Labels:
    """Places text so no two pieces overlap (issue 18, item 5: the depth-2
    diagram stacked edge labels over each other and over boxes).

    Every entity box is an obstacle from the start; each label is tried at
    its spot, then a row up or down at a time, and left out (its line's
    tooltip still names it) when no nearby row is free.  Boxes are the
    generous `text_width` estimate, so real fonts fit inside them."""

    STEP = 13.0
    TRIES = 6

    def __init__(self, drawing: Layout):
        self.taken = [(b.left, b.y - b.height / 2, b.right, b.y + b.height / 2)
                      for b in drawing.boxes.values()]
        self.said: set[tuple] = set()

    @staticmethod
    def box(text: str, x: float, y: float, anchor: str, size: float) -> tuple:
        width = text_width(text, size)
        left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
        return (left - 1, y - 0.95 * size, left + width + 1, y + 0.3 * size)

    def place(self, text: str, x: float, y: float, anchor: str, size: float = 11,
              once: tuple | None = None) -> float | None:
        """The y to write `text` at, or None to leave it out (also when the
        same `once` key was already labelled)."""
        if once is not None and once in self.said:
            return None
        for step in range(self.TRIES * 2 + 1):
            dy = self.STEP * ((step + 1) // 2) * (-1 if step % 2 else 1)
            box = self.box(text, x, y + dy, anchor, size)
            if not any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3]
                       for t in self.taken):
                self.taken.append(box)
                if once is not None:
                    self.said.add(once)
                return y + dy
        return None


@dataclass
class _Bundle:
    """Three or more relations with one predicate, drawn in one style,
    between a hub and a run of neighbouring boxes in the next column out:
    drawn as one trunk with a single label, a spine, and a short branch to
    each box."""

    hub: str
    predicate: str
    outward: bool            # hub -> leaves (else leaves -> hub)
    side: int                # +1: leaves right of the hub, -1: left
    edges: list[tuple[str, str, str]]
    leaves: list[str]


def _bundles(sub: "nx.MultiDiGraph", drawing: Layout) -> list[_Bundle]:
    boxes = drawing.boxes
    groups: dict[tuple, list] = {}
    for s, o, k in sub.edges(keys=True):
        if s == o:
            continue
        a, b = boxes[s].column, boxes[o].column
        for hub, leaf, outward, inner, outer in ((s, o, True, a, b), (o, s, False, b, a)):
            side = 1 if outer > 0 else -1
            if outer != 0 and outer == inner + side:
                style = _style(sub.edges[s, o, k])
                groups.setdefault((hub, k, style, outward, side), []).append(((s, o, k), leaf))
    # Boxes of each column in reading order, to find runs with nothing between.
    order: dict[int, list[str]] = {}
    for node, box in sorted(boxes.items(), key=lambda item: item[1].y):
        order.setdefault(box.column, []).append(node)
    rank = {node: i for nodes in order.values() for i, node in enumerate(nodes)}
    found, used = [], set[str]()
    for (hub, predicate, _, outward, side), members in sorted(groups.items()):
        members = sorted((m for m in members if m[0] not in used),
                         key=lambda m: rank[m[1]])
        run: list = []
        for member in members + [None]:
            if member is not None and (not run or rank[member[1]] == rank[run[-1][1]] + 1):
                run.append(member)
                continue
            if len(run) >= 3:
                found.append(_Bundle(hub, predicate, outward, side, [m[0] for m in run],
                                     [m[1] for m in run]))
                used.update(m[0] for m in run)
            run = [member] if member is not None else []
    return found


def _draw_bundle(sub, drawing: Layout, bundle: _Bundle, edges_g, labels_g, tooltip,
                 placer: _Labels) -> None:
    boxes = drawing.boxes
    hub, d = boxes[bundle.hub], bundle.side
    leaves = [boxes[n] for n in bundle.leaves]
    counts = [int(sub.edges[e].get("articles", 1)) for e in bundle.edges]
    reach = 34 if max(counts) > 1 else 18      # branch length (room for "(n)")
    spine = drawing.lane(bundle.leaves[0], -d) - d * reach
    top, bottom = min(b.y for b in leaves), max(b.y for b in leaves)
    mid = min(max(hub.y, top), bottom)
    label = predicate_label(bundle.predicate)
    room = text_width(label, 11) + 14
    styles = {_style(sub.edges[e]) for e in bundle.edges}
    style = styles.pop() if len(styles) == 1 else "asserted"
    dash, colour, _ = LINE_STYLES[style]
    hub_edge, hub_x = (hub.right if d > 0 else hub.left), drawing.lane(bundle.hub, d)
    knee = spine - d * room
    dx = (knee - hub_x) / 2
    trunk = (f"M{hub_edge:.1f},{hub.y:.1f} L{hub_x:.1f},{hub.y:.1f} "
             f"C{hub_x + dx:.1f},{hub.y:.1f} {knee - dx:.1f},{mid:.1f} "
             f"{knee:.1f},{mid:.1f} L{spine:.1f},{mid:.1f}")
    if not bundle.outward:  # drawn from the spine so the arrow ends at the hub
        trunk = (f"M{spine:.1f},{mid:.1f} L{knee:.1f},{mid:.1f} C{knee - dx:.1f},{mid:.1f} "
                 f"{hub_x + dx:.1f},{hub.y:.1f} {hub_x:.1f},{hub.y:.1f} "
                 f"L{hub_edge + 2 * d:.1f},{hub.y:.1f}")
    width = max(_stroke_width(sub.edges[e]) for e in bundle.edges)
    group = _el(edges_g, "g")
    _el(group, "title", f"{sub.nodes[bundle.hub].get('label', bundle.hub)}: {label}, "
        f"{len(bundle.leaves)} relations")
    _el(group, "path", d=f"{trunk} M{spine:.1f},{top:.1f} V{bottom:.1f}", stroke=colour,
        stroke_width=f"{width:.1f}", stroke_dasharray=dash or None,
        stroke_linecap="round" if dash else None,
        marker_end=None if bundle.outward else f"url(#arrow-{style})")
    anchor = "end" if d > 0 else "start"
    label_y = placer.place(label, spine - d * 6, mid - 5, anchor)
    if label_y is not None:
        _el(labels_g, "text", label, x=f"{spine - d * 6:.1f}", y=f"{label_y:.1f}",
            text_anchor=anchor, fill=colour, stroke="#FFFFFF", stroke_width=3,
            paint_order="stroke", stroke_linejoin="round")
    for edge, leaf, count in zip(bundle.edges, leaves, counts):
        data = sub.edges[edge]
        branch_style = _style(data)
        dash, colour, _ = LINE_STYLES[branch_style]
        end = (leaf.left - 2) if d > 0 else (leaf.right + 2)
        branch = _el(edges_g, "g")
        _el(branch, "title", tooltip(*edge))
        path = f"M{spine:.1f},{leaf.y:.1f} H{end:.1f}"
        if not bundle.outward:
            path = f"M{end + 2 * d:.1f},{leaf.y:.1f} H{spine:.1f}"
        _el(branch, "path", d=path, stroke=colour,
            stroke_width=f"{_stroke_width(data):.1f}", stroke_dasharray=dash or None,
            stroke_linecap="round" if dash else None,
            marker_end=f"url(#arrow-{branch_style})" if bundle.outward else None)
        count_y = placer.place(f"({count})", (spine + end) / 2, leaf.y - 4, "middle") \
            if count > 1 else None
        if count_y is not None:
            _el(labels_g, "text", f"({count})", x=f"{(spine + end) / 2:.1f}",
                y=f"{count_y:.1f}", text_anchor="middle", fill=colour)


def to_svg(sub: "nx.MultiDiGraph") -> ET.Element:
    """The diagram as an ElementTree <svg> element.

    Raises:
        QueryError: more than `MAX_ENTITIES` entities (too many to read).
    """
    if sub.number_of_nodes() > MAX_ENTITIES:
        raise QueryError(f"the selection has {sub.number_of_nodes()} entities; a readable "
                         f"diagram holds at most {MAX_ENTITIES}: lower the depth or filter by "
                         f"predicate, type or min_articles (GraphML or GEXF take any size)")
    ET.register_namespace("", SVG_NS)
    labels = {(s, o, k): predicate_label(d["predicate"]) + (f" ({d['articles']})"
                                                            if d.get("articles", 1) > 1 else "")
              for s, o, k, d in sub.edges(keys=True, data=True)}
    gap = max([text_width(t, 11) + 90 for t in labels.values()] + [150.0])
    drawing = layout(sub, gap=gap)
    title = sub.graph.get("title") or "Relations between entities"
    n_articles = len(sub.graph.get("articles", {}))
    summary = (f"{sub.number_of_nodes()} entities, {sub.number_of_edges()} relations, "
               f"from {n_articles} article{'s' if n_articles != 1 else ''}")
    if sub.graph.get("description"):
        summary = f"{sub.graph['description']}. {summary}"
    if sub.graph.get("truncated"):
        summary += " (cut at the claim limit for a hub entity)"
    width = max(drawing.width + 2 * MARGIN, 900.0, text_width(title, 22) + 2 * MARGIN)
    text_room = width - 2 * MARGIN
    head = 76.0
    sources = [w for line in _source_lines(sub) for w in _wrap(line, text_room - 70, 12)]
    present = sorted({sub.nodes[n].get("type", "Entity") for n in sub},
                     key=lambda t: TYPE_ORDER.index(t) if t in TYPE_ORDER else 99)
    body_top = head + 12
    body_height = max(drawing.height, BOX_HEIGHT)
    legend_top = body_top + body_height + 28
    footer = ("Relations were extracted automatically from the articles; each is quoted with "
              "its sentence in the data files and the handout. Not medical advice.")
    footer_lines = _wrap(footer, text_room, 11)
    height = legend_top + 2 * 24 + 16 + 16 * max(len(sources), 1) + 14 * len(footer_lines) + 24
    svg = ET.Element(f"{{{SVG_NS}}}svg", {
        "version": "1.1", "width": f"{width:.0f}", "height": f"{height:.0f}",
        "viewBox": f"0 0 {width:.0f} {height:.0f}", "font-family": FONT,
        "role": "img", "aria-labelledby": "kg-title kg-desc"})
    _el(svg, "title", title, id="kg-title")
    _el(svg, "desc", f"{summary}. Sources: " + "; ".join(_source_lines(sub)), id="kg-desc")
    defs = _el(svg, "defs")
    for name, (_, colour, _) in LINE_STYLES.items():
        marker = _el(defs, "marker", id=f"arrow-{name}", viewBox="0 0 10 10", refX="9.5",
                     refY="5", markerWidth="7", markerHeight="7", orient="auto-start-reverse",
                     markerUnits="userSpaceOnUse")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)
    _el(svg, "rect", x=0, y=0, width=f"{width:.0f}", height=f"{height:.0f}", fill="#FFFFFF")
    _el(svg, "text", title, x=MARGIN, y=40, font_size=22, font_weight="bold", fill="#111111")
    _el(svg, "text", summary, x=MARGIN, y=64, font_size=13, fill="#444444")

    body = _el(svg, "g", transform=f"translate({(width - drawing.width) / 2:.1f},{body_top:.1f})")
    edges_g = _el(body, "g", fill="none")
    nodes_g = _el(body, "g")
    labels_g = _el(body, "g", font_size=11)
    from ..views import describe

    def tooltip(s: str, o: str, k: str) -> str:
        data = sub.edges[s, o, k]
        tip = describe(sub.nodes[s].get("label", s), data["predicate"],
                       sub.nodes[o].get("label", o), _style(data))
        first = data["claims"][0] if data.get("claims") else None
        if first:
            tip += f" — “{first.evidence}” ({first.title or first.article})"
        return tip

    placer = _Labels(drawing)
    bundled = set()
    for bundle in _bundles(sub, drawing):
        bundled.update(bundle.edges)
        _draw_bundle(sub, drawing, bundle, edges_g, labels_g, tooltip, placer)
    # Parallel edges between one pair of entities fan out a little.
    pairs: dict[frozenset, list] = {}
    for s, o, k in sorted(sub.edges(keys=True)):
        if (s, o, k) not in bundled:
            pairs.setdefault(frozenset((s, o)), []).append((s, o, k))

    def label_spot(node: str, side: int, lane: float) -> tuple[float, float, str]:
        """Where an edge's label goes: beside `node`'s column on `side`,
        above the line (the placer moves it when that place is taken)."""
        box = drawing.boxes[node]
        return lane + 9 * side, box.y - 5, "end" if side < 0 else "start"

    for siblings in pairs.values():
        for i, (s, o, k) in enumerate(siblings):
            data = sub.edges[s, o, k]
            offset = (i - (len(siblings) - 1) / 2) * 12
            a, b = drawing.boxes[s], drawing.boxes[o]
            outer = o if abs(b.column) >= abs(a.column) else s
            if s == o:
                x, y = a.right, a.y
                points = ((x - 10, y - 12), (x + 40, y - 50), (x + 50, y + 10), (x, y + 4))
                spot = (x + 40, y - 30, "start")
                ends = None
            elif b.left > a.right or b.right < a.left:
                # Straight out of a's column, a curve, straight into b's
                # column; the label sits on the straight stretch at the outer end.
                d = 1 if b.left > a.right else -1
                exit_x, entry_x = drawing.lane(s, d), drawing.lane(o, -d)
                room = text_width(labels[(s, o, k)], 11) + 14
                if outer == o:
                    spot = label_spot(o, -d, entry_x)
                    curve_from, curve_to = (exit_x, a.y), (entry_x - d * room, b.y)
                else:
                    spot = label_spot(s, d, exit_x)
                    curve_from, curve_to = (exit_x + d * room, a.y), (entry_x, b.y)
                dx = (curve_to[0] - curve_from[0]) / 2
                points = (curve_from, (curve_from[0] + dx, curve_from[1] + offset),
                          (curve_to[0] - dx, curve_to[1] + offset), curve_to)
                ends = ((a.right if d > 0 else a.left, a.y),
                        ((b.left if d > 0 else b.right) - 2 * d, b.y))
            else:  # same column: an arc on the outer side, labelled at its apex
                side = 1 if a.column >= 0 else -1
                xa, xb = (a.right, b.right) if side > 0 else (a.left, b.left)
                bulge = side * (36 + 0.25 * abs(a.y - b.y) + abs(offset))
                edge_x = max(xa, xb) if side > 0 else min(xa, xb)
                points = ((xa, a.y), (edge_x + bulge, a.y), (edge_x + bulge, b.y),
                          (xb + side * 2, b.y))
                apex = _bezier(*points, 0.5)
                spot = (apex[0] + side * 6, apex[1] + 4, "start" if side > 0 else "end")
                ends = None
            style = _style(data)
            dash, colour, _ = LINE_STYLES[style]
            stroke_px = _stroke_width(data)
            path = " ".join(["M{:.1f},{:.1f}".format(*points[0]),
                             "C{:.1f},{:.1f}".format(*points[1]),
                             "{:.1f},{:.1f}".format(*points[2]),
                             "{:.1f},{:.1f}".format(*points[3])])
            if ends is not None:  # straight stretches out of and into the columns
                path = ("M{:.1f},{:.1f} L".format(*ends[0]) + path[1:]
                        + " L{:.1f},{:.1f}".format(*ends[1]))
            edge = _el(edges_g, "g")
            _el(edge, "title", tooltip(s, o, k))
            _el(edge, "path", d=path, stroke=colour, stroke_width=f"{stroke_px:.1f}",
                stroke_dasharray=dash or None, stroke_linecap="round" if dash else None,
                marker_end=f"url(#arrow-{style})")
            lx, ly, anchor = spot
            # One label per relation and place: edges of one predicate
            # ending at one box from one side are labelled once.
            at = placer.place(labels[(s, o, k)], lx, ly, anchor,
                              once=(labels[(s, o, k)], round(lx), round(ly)))
            if at is not None:
                _el(labels_g, "text", labels[(s, o, k)], x=f"{lx:.1f}", y=f"{at:.1f}",
                    text_anchor=anchor, fill=colour, stroke="#FFFFFF", stroke_width=3,
                    paint_order="stroke", stroke_linejoin="round")
    special = {sub.graph.get(k) for k in ("centre", "source", "target")} - {None}
    for node, box in drawing.boxes.items():
        data = sub.nodes[node]
        kind = data.get("type", "Entity")
        stroke, fill = COLOURS.get(kind, COLOURS["Entity"])
        group = _el(nodes_g, "g")
        ids = ", ".join(data.get("ids", ()))
        unmapped = "" if data.get("mapped", True) else " — not yet in the vocabulary"
        _el(group, "title", f"{data.get('label', node)} ({type_label(kind)})"
            + (f" — {ids}" if ids else "") + unmapped)
        _el(group, "rect", x=f"{box.left:.1f}", y=f"{box.y - box.height / 2:.1f}",
            width=f"{box.width:.1f}", height=f"{box.height:.1f}", rx=6, fill=fill,
            stroke=stroke, stroke_width=3 if node in special else 1.6)
        _el(group, "text", box.label, x=f"{box.x:.1f}", y=f"{box.y:.1f}", dy="0.35em",
            text_anchor="middle", font_size=FONT_SIZE, fill="#111111",
            font_weight="bold" if node in special else None)
    if sub.number_of_edges() == 0:
        _el(svg, "text", "No relations match this selection.", x=MARGIN,
            y=f"{body_top + body_height + 14:.0f}", font_size=13, fill="#444444")

    legend = _el(svg, "g", font_size=12, fill="#222222")
    x, y = float(MARGIN), legend_top
    _el(legend, "text", "Entities:", x=x, y=y + 4, font_weight="bold")
    x += 70
    for kind in present:
        stroke, fill = COLOURS.get(kind, COLOURS["Entity"])
        name = type_label(kind)
        if x + 26 + text_width(name, 12) > width - MARGIN:
            x, y = MARGIN + 70.0, y + 20
        _el(legend, "rect", x=x, y=y - 7, width=18, height=14, rx=3, fill=fill, stroke=stroke,
            stroke_width=1.6)
        _el(legend, "text", name, x=x + 24, y=y + 4)
        x += 24 + text_width(name, 12) + 18
    x, y = float(MARGIN), y + 24
    _el(legend, "text", "Relations:", x=x, y=y + 4, font_weight="bold")
    x += 78
    for name, (dash, colour, words) in LINE_STYLES.items():
        _el(legend, "path", d=f"M{x:.1f},{y:.1f} h34", stroke=colour, stroke_width=2,
            stroke_dasharray=dash or None, fill="none", marker_end=f"url(#arrow-{name})")
        _el(legend, "text", words, x=x + 42, y=y + 4)
        x += 42 + text_width(words, 12) + 22
    _el(legend, "text", "(n) = stated by n articles", x=x, y=y + 4, fill="#555555")
    y += 28
    source = _el(svg, "g", font_size=12, fill="#222222")
    _el(source, "text", "Sources:" if sources else "Sources: none", x=MARGIN, y=y,
        font_weight="bold")
    for line in sources:
        _el(source, "text", line, x=MARGIN + 70, y=y)
        y += 16
    y += 8 if sources else 24
    for line in footer_lines:
        _el(source, "text", line, x=MARGIN, y=y, font_size=11, fill="#555555")
        y += 14
    return svg


def write_svg(sub: "nx.MultiDiGraph") -> bytes:
    """The diagram as a standalone SVG file (UTF-8, with an XML declaration)."""
    element = to_svg(sub)
    ET.indent(element, space=" ")
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)
