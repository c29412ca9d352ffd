"""A layered layout for reading, computed with networkx (pure, no I/O).

The centre entity (or a path's source, or each component's best-connected
entity) sits in the middle column; entities one step away stand in the
columns on either side, two steps away one column further out, and so on.
Entities the centre acts on go right, those acting on it go left (a
one-way star is split in half between the sides), and each column is
grouped by relation, then entity type, so a star of side effects reads as
one tidy list that the picture draws as a single bundle.  Beyond the first
step, entities are ordered by the position of what links them to the column
before (the barycentre heuristic), which keeps edges from crossing.  A
column taller than the page allows is split into two staggered sub-columns
whose rows leave a gap for lines to pass (`Layout.lane`).  Coordinates are
in SVG pixels (y grows down).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from ingest import domain

__all__ = ["Layout", "NodeBox", "TYPE_ORDER", "edge_style", "layout", "text_width"]

TYPE_ORDER = ("Drug", "Chemical", "Receptor", "Mechanism", "Condition", "AdverseEffect",
              "Procedure", "Route", "Entity")
FONT_SIZE = 13
ROW = 30            # vertical distance between entity boxes
BOX_HEIGHT = 24
PADDING = 10        # inside a box, left and right
MAX_LABEL = 42      # characters shown in a box; the full label is the tooltip
MAX_ROWS = 36       # more entities than this in a column -> staggered sub-columns


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """A generous estimate of the width of `text` in DejaVu Sans or Arial (px).

    >>> round(text_width("NMDA receptor"))
    97
    """
    wide = sum(1 for ch in text if ch.isupper() or ch in "mwMW@%")
    narrow = sum(1 for ch in text if ch in "iljtfr.,;:'!|() ")
    return size * (0.6 * len(text) + 0.14 * wide - 0.22 * narrow) * (1.1 if bold else 1.0)


def short_label(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1].rstrip() + "…"


@dataclass
class NodeBox:
    """An entity's box: centre (x, y), size, and its column."""

    x: float
    y: float
    width: float
    height: float
    column: int
    label: str
    component: int = 0

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2


@dataclass
class Layout:
    boxes: dict[str, NodeBox] = field(default_factory=dict)
    width: float = 0.0
    height: float = 0.0
    #: (component, column) -> (left, right) over its sub-columns.
    extent: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)

    def lane(self, node: str, direction: int) -> float:
        """Where edges leave or enter `node`'s column on the side facing
        `direction` (+1 right, -1 left): beyond every sub-column, so a line
        reaches a box of an outer sub-column through the gap between rows."""
        box = self.boxes[node]
        left, right = self.extent.get((box.component, box.column), (box.left, box.right))
        return right if direction > 0 else left


def _roots(sub: nx.MultiDiGraph) -> list[str]:
    for key in ("centre", "source"):
        if sub.graph.get(key) in sub:
            first = sub.graph[key]
            break
    else:
        first = None
    undirected = sub.to_undirected(as_view=True)
    roots: list[str] = []
    for component in sorted(nx.connected_components(undirected),
                            key=lambda c: (-len(c), min(c))):
        if first in component:
            roots.insert(0, first)
        else:
            roots.append(max(sorted(component), key=lambda n: sub.degree(n)))
    return roots


def _type_rank(sub: nx.MultiDiGraph, node: str) -> int:
    kind = sub.nodes[node].get("type", "Entity")
    return TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER)


def _sort_key(sub: nx.MultiDiGraph, node: str) -> tuple:
    return (_type_rank(sub, node), str(sub.nodes[node].get("label", node)).lower(), node)


STYLES = tuple(domain.MODALITIES)


def edge_style(data: dict) -> str:
    """How a relation is drawn: `negated` when every claim denies it, else
    the modality most of its claims have."""
    return "negated" if data.get("negated") else data.get("modality", "asserted")


def _group_key(sub: nx.MultiDiGraph, node: str, parents: list[str]) -> tuple:
    """How `node` hangs off the column before: its first (predicate,
    direction, style) with a parent, so that entities reached by the same
    relation, stated the same way, stand together and the picture can draw
    them as one bundle."""
    links = [(key, 0, STYLES.index(edge_style(data))) for p in parents
             for key, data in sub.get_edge_data(p, node, default={}).items()]
    links += [(key, 1, STYLES.index(edge_style(data))) for p in parents
              for key, data in sub.get_edge_data(node, p, default={}).items()]
    return min(links, default=("", 0, 0))


def _split(nodes: list[str], keys: dict[str, tuple]) -> int:
    """Where to cut an ordered column in two: the group boundary nearest
    the middle."""
    boundaries = [i for i in range(1, len(nodes)) if keys[nodes[i]] != keys[nodes[i - 1]]]
    return min(boundaries or [math.ceil(len(nodes) / 2)],
               key=lambda i: (abs(i - len(nodes) / 2), i))


def _component_columns(sub: nx.MultiDiGraph, root: str, two_sided: bool
                       ) -> dict[int, list[str]]:
    """Signed column -> ordered nodes for the component of `root`."""
    undirected = sub.to_undirected(as_view=True)
    depth = nx.single_source_shortest_path_length(undirected, root)
    side: dict[str, int] = {root: 0}
    group = {n: _group_key(sub, n, [root]) for n, d in depth.items() if d == 1}
    first = sorted(group, key=lambda n: (group[n],) + _sort_key(sub, n))
    if two_sided and len(first) > 1:
        incoming = [n for n in first if group[n][1] == 1]
        outgoing = [n for n in first if group[n][1] == 0]
        if not incoming and len(outgoing) > 8:  # all one way: half on each side
            cut = _split(outgoing, group)
            incoming, outgoing = outgoing[cut:], outgoing[:cut]
        elif not outgoing and len(incoming) > 8:
            cut = _split(incoming, group)
            incoming, outgoing = incoming[:cut], incoming[cut:]
        side.update({n: -1 for n in incoming})
        side.update({n: 1 for n in outgoing})
    else:
        side.update({n: 1 for n in first})
    for level in range(2, max(depth.values(), default=0) + 1):
        for node in sorted((n for n, d in depth.items() if d == level),
                           key=lambda n: _sort_key(sub, n)):
            parents = [p for p in undirected.neighbors(node) if depth.get(p) == level - 1]
            votes = sum(side[p] for p in parents)
            side[node] = 1 if votes >= 0 else -1
    columns: dict[int, list[str]] = {}
    for node, d in depth.items():
        columns.setdefault(d * side[node] if d else 0, []).append(node)
    # Order: column 0, then outward on each side: by the position of the
    # neighbours in the column before (barycentre), then by relation, type
    # and label.
    position: dict[str, float] = {root: 0.0}
    for col in sorted(columns, key=lambda c: (abs(c), c)):
        if col == 0:
            continue
        inner = col - 1 if col > 0 else col + 1
        previous = set(columns.get(inner, ()))

        def order(node: str) -> tuple:
            near = [p for p in undirected.neighbors(node) if p in previous]
            centre = sum(position[p] for p in near) / len(near) if near else 0.0
            return (round(centre, 3), _group_key(sub, node, near)) + _sort_key(sub, node)

        columns[col] = sorted(columns[col], key=order)
        position.update({n: float(i) for i, n in enumerate(columns[col])})
    return columns


def layout(sub: nx.MultiDiGraph, gap: float = 150.0) -> Layout:
    """Boxes for every node, and the drawing's size.

    Args:
        sub: a selected subgraph (nodes carry `label` and `type`).
        gap: horizontal room between columns for edge labels (px).

    The layout is deterministic: the same subgraph gives the same picture.
    """
    result = Layout()
    if sub.number_of_nodes() == 0:
        return result
    two_sided = sub.graph.get("scope") != "paths"
    special = {sub.graph.get(k) for k in ("centre", "source", "target")}
    y_offset = 0.0
    for component, root in enumerate(_roots(sub)):
        columns = _component_columns(sub, root, two_sided)
        # Split tall columns into staggered sub-columns: (signed col, sub) -> nodes.
        placed: list[tuple[int, int, list[str]]] = []
        for col in sorted(columns):
            nodes = columns[col]
            parts = 1 if len(nodes) <= MAX_ROWS else 2
            for index in range(parts):
                placed.append((col, index, nodes[index::parts]))
        widths: dict[tuple[int, int], float] = {}
        for col, index, nodes in placed:
            widths[(col, index)] = max(text_width(short_label(str(sub.nodes[n].get(
                "label", n))), bold=n in special) + 2 * PADDING for n in nodes)
        # x of each (col, sub) from the centre column outwards.
        xs: dict[tuple[int, int], float] = {(0, 0): 0.0}
        for direction in (1, -1):
            edge = widths[(0, 0)] / 2
            col = direction
            while any(k[0] == col for k in widths):
                subs = sorted(k for k in widths if k[0] == col)
                for key in subs:
                    x = edge + gap * (1 if key[1] == 0 else 0.25) + widths[key] / 2
                    xs[key] = direction * x
                    edge = x + widths[key] / 2
                col += direction

        def span(col: int) -> float:
            parts = sum(1 for p in placed if p[0] == col)
            return (len(columns[col]) + parts - 1) * ROW / parts

        height = max(span(col) for col in columns)
        for col, index, nodes in placed:
            parts = sum(1 for p in placed if p[0] == col)
            top = (height - span(col)) / 2
            for i, node in enumerate(nodes):
                slot = i * parts + index
                label = short_label(str(sub.nodes[node].get("label", node)))
                result.boxes[node] = NodeBox(
                    x=xs[(col, index)], y=y_offset + top + slot * ROW / parts + ROW / 2,
                    width=widths[(col, index)], height=BOX_HEIGHT, column=col, label=label,
                    component=component)
        y_offset += height + ROW
    left = min(b.left for b in result.boxes.values())
    for box in result.boxes.values():
        box.x -= left
        key = (box.component, box.column)
        low, high = result.extent.get(key, (box.left, box.right))
        result.extent[key] = (min(low, box.left), max(high, box.right))
    result.width = max(b.right for b in result.boxes.values())
    result.height = y_offset - ROW
    return result
