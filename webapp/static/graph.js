// The graph view: draws /api/graph's nodes and edges with the vendored
// Cytoscape.js, readable at a glance (issue 18, item 5):
// - leaves hanging off one entity by one relation are gathered into one
//   group node ("23 side effects") that opens on click; at depth 2 every
//   group of leaves two steps out starts folded, and "Show N more" opens
//   them all;
// - node labels never collide: after the layout, labels are placed in
//   order of importance and a label that would overlap one already placed
//   is left out (shown on hover or keyboard focus); the font is never
//   under 12 px at the initial zoom (under 11 px when zoomed out, labels
//   hide until zoomed in again);
// - clicking an entity (or Enter on it) shows its card: type, standard IDs,
//   its top relations with counts, links to its page.
// The words (type names, relation names) come from the domain table through
// the page's data-words attribute; none are written here.
"use strict";

(function () {
  var MODALITY_COLOURS = {asserted: "#1f6f3d", hedged: "#8a5a00",
                          investigational: "#4a3c99", negated: "#a1252a"};
  var TYPE_COLOURS = {Drug: "#0b5cad", Chemical: "#00707a", Receptor: "#6b3fa0",
                      Mechanism: "#5a6472", Condition: "#a23b72", AdverseEffect: "#b3261e",
                      Procedure: "#7a5c00", Route: "#3d6b00"};
  var FONT_PX = 12;        // label size on screen at the initial zoom
  var MIN_FONT_PX = 11;    // below this (zoomed out) labels hide
  var GROUP_AT_CENTRE = 4; // leaves of one relation around the centre -> one group
  var GROUP_FURTHER = 2;   // ... around an entity further out (folded at depth 2)
  var MODALITY_NAMES = {};
  var WORDS = {types: {}, predicates: {}};

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) { el.textContent = text; }
    if (className) { el.className = className; }
    return el;
  }

  function link(href, text) {
    var a = element("a", text);
    a.href = href;
    return a;
  }

  function typeWords(type) {
    return WORDS.types[type] || {label: type ? type.toLowerCase() : "entity",
                                 plural: type ? type + "s" : "Entities"};
  }

  function predicateWords(predicate) {
    return WORDS.predicates[predicate] || {label: predicate, heading: predicate,
                                           incoming: predicate};
  }

  function graphLink(node) {
    var params = new URLSearchParams(window.location.search);
    params.set("entity", node.href ? node.href.split("/").pop() : node.label);
    return "?" + params.toString();
  }

  // ------------------------------------------------------------ grouping

  // Steps from the centre, over relations in either direction.
  function distances(data) {
    var near = {};
    data.nodes.forEach(function (n) { near[n.id] = []; });
    data.edges.forEach(function (e) {
      near[e.source].push(e.target);
      near[e.target].push(e.source);
    });
    var dist = {}, queue = [data.centre];
    dist[data.centre] = 0;
    while (queue.length) {
      var at = queue.shift();
      near[at].forEach(function (next) {
        if (!(next in dist)) { dist[next] = dist[at] + 1; queue.push(next); }
      });
    }
    return {dist: dist, near: near};
  }

  // Groups of leaves: entities with one relation only, to the same hub by
  // the same predicate in the same direction.
  function groups(data) {
    var reach = distances(data);
    var edgesOf = {};
    data.edges.forEach(function (e) {
      (edgesOf[e.source] = edgesOf[e.source] || []).push(e);
      (edgesOf[e.target] = edgesOf[e.target] || []).push(e);
    });
    var found = {};
    data.nodes.forEach(function (n) {
      var mine = edgesOf[n.id] || [];
      if (n.id === data.centre || mine.length !== 1) { return; }
      var e = mine[0], outward = e.target === n.id, hub = outward ? e.source : e.target;
      if (hub === n.id) { return; }
      var key = hub + "\u0000" + e.predicate + "\u0000" + (outward ? ">" : "<");
      var group = found[key] = found[key] || {hub: hub, predicate: e.predicate, outward: outward,
                                              members: [], edges: []};
      group.members.push(n.id);
      group.edges.push(e);
    });
    return Object.keys(found).sort().map(function (key, i) {
      var g = found[key];
      g.id = "group:" + i;
      g.further = (reach.dist[g.hub] || 0) > 0;
      return g;
    }).filter(function (g) {
      return g.members.length >= (g.further ? GROUP_FURTHER : GROUP_AT_CENTRE);
    });
  }

  function groupLabel(group, nodes) {
    var types = {};
    group.members.forEach(function (id) { types[nodes[id].type] = true; });
    var kinds = Object.keys(types);
    var count = group.members.length;
    if (kinds.length === 1) {
      return count + " " + typeWords(kinds[0]).plural.toLowerCase();
    }
    return count + " \u00d7 " + predicateWords(group.predicate).label;
  }

  function commonest(values) {
    var counts = {};
    values.forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
    return Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; })[0];
  }

  function nodeElement(n, centre) {
    return {group: "nodes", data: {id: n.id, label: n.label, type: n.type,
                                   centre: n.id === centre ? 1 : 0}};
  }

  function edgeElement(e) {
    return {group: "edges", data: {id: e.id, source: e.source, target: e.target,
                                   label: predicateWords(e.predicate).label,
                                   modality: e.modality, negated: e.negated ? 1 : 0}};
  }

  function groupElements(group, nodes) {
    var kinds = {};
    group.members.forEach(function (id) { kinds[nodes[id].type] = true; });
    var type = Object.keys(kinds).length === 1 ? Object.keys(kinds)[0] : "";
    var modality = commonest(group.edges.map(function (e) { return e.modality; }));
    var negated = group.edges.every(function (e) { return e.negated; }) ? 1 : 0;
    return [
      {group: "nodes", data: {id: group.id, label: groupLabel(group, nodes), type: type,
                              cluster: 1, count: group.members.length}},
      {group: "edges", data: {id: group.id + ":edge", cluster: 1,
                              source: group.outward ? group.hub : group.id,
                              target: group.outward ? group.id : group.hub,
                              label: predicateWords(group.predicate).label,
                              modality: modality, negated: negated}}];
  }

  // ------------------------------------------------------------- drawing

  function style() {
    return [
      {selector: "node", style: {
        "label": "data(label)", "font-size": FONT_PX, "color": "#1d2430",
        "text-valign": "bottom", "text-margin-y": 3, "width": 22, "height": 22,
        "text-wrap": "wrap", "text-max-width": 130, "min-zoomed-font-size": MIN_FONT_PX,
        "text-background-color": "#fbfcfd", "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "background-color": function (n) { return TYPE_COLOURS[n.data("type")] || "#4d5766"; }}},
      {selector: "node[centre = 1]", style: {"width": 34, "height": 34, "border-width": 4,
                                            "border-color": "#f0a400", "font-weight": "bold"}},
      {selector: "node[cluster = 1]", style: {
        "shape": "round-rectangle", "width": 30, "height": 30, "border-width": 3,
        "border-style": "double", "border-color": "#1d2430", "font-weight": "bold"}},
      {selector: "node.quiet", style: {"label": ""}},
      {selector: "node.lit", style: {"label": "data(label)", "z-index": 20,
                                     "text-background-opacity": 1,
                                     "text-border-width": 1, "text-border-opacity": 1,
                                     "text-border-color": "#4d5766"}},
      {selector: "node.focused", style: {"border-width": 4, "border-color": "#f0a400",
                                         "underlay-color": "#f0a400", "underlay-opacity": 0.3,
                                         "underlay-padding": 6}},
      {selector: "edge", style: {
        "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2,
        "label": "", "font-size": FONT_PX, "color": "#1d2430",
        "text-background-color": "#fbfcfd", "text-background-opacity": 1,
        "line-color": function (e) { return MODALITY_COLOURS[e.data("modality")]; },
        "target-arrow-color": function (e) { return MODALITY_COLOURS[e.data("modality")]; }}},
      {selector: "edge[cluster = 1]", style: {"width": 4}},
      {selector: "edge.lit, edge:selected", style: {"label": "data(label)", "z-index": 20}},
      {selector: "edge[negated = 1]", style: {"line-style": "dashed"}},
      {selector: ":selected", style: {"overlay-color": "#f0a400", "overlay-opacity": 0.25}}
    ];
  }

  function overlaps(a, b) {
    return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
  }

  function labelBox(node) {
    return node.renderedBoundingBox({includeNodes: false, includeEdges: false,
                                     includeLabels: true, includeOverlays: false,
                                     includeUnderlays: false});
  }

  // Shows the labels that fit: the centre, groups and the best-connected
  // entities first; a label overlapping one already shown is left out.
  function declutter(cy) {
    cy.nodes().removeClass("quiet");
    var order = cy.nodes().toArray().sort(function (a, b) {
      return (b.data("centre") || 0) - (a.data("centre") || 0) ||
        (b.data("cluster") || 0) - (a.data("cluster") || 0) ||
        b.degree() - a.degree() ||
        String(a.data("label")).length - String(b.data("label")).length ||
        (a.id() < b.id() ? -1 : 1);
    });
    var placed = [];
    order.forEach(function (node) {
      var box = labelBox(node);
      if (!box || box.w === 0) { return; }
      if (placed.some(function (other) { return overlaps(box, other); })) {
        node.addClass("quiet");
      } else {
        placed.push(box);
      }
    });
  }

  // Labels sized so they read FONT_PX on screen at the current zoom.
  function sizeFonts(cy) {
    var zoom = cy.zoom();
    cy.batch(function () {
      cy.nodes().style({"font-size": FONT_PX / zoom, "text-max-width": 130 / zoom,
                        "text-margin-y": 3 / zoom});
      cy.edges().style("font-size", FONT_PX / zoom);
    });
  }

  function arrange(cy, done) {
    var options = {name: "cose", animate: false, padding: 24, nodeDimensionsIncludeLabels: true,
                   idealEdgeLength: function () { return 80; },
                   nodeRepulsion: function () { return 12000; },
                   componentSpacing: 60, randomize: false, fit: true};
    // Twice: the second run spaces the nodes for labels at their final size.
    cy.layout(options).run();
    cy.maxZoom(Math.max(cy.zoom(), 1.5));
    sizeFonts(cy);
    cy.layout(options).run();
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }
    sizeFonts(cy);
    cy.maxZoom(6);
    declutter(cy);
    if (done) { done(); }
  }

  // Rings around the centre (and around a group's place when it opens),
  // as the layout's deterministic starting point.
  function ringPositions(ids, at, radius) {
    var out = {};
    ids.forEach(function (id, i) {
      var angle = 2 * Math.PI * i / Math.max(ids.length, 1);
      out[id] = {x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle)};
    });
    return out;
  }

  // -------------------------------------------------------------- panel

  function topRelations(data, id) {
    var counts = {};
    data.edges.forEach(function (e) {
      var words;
      if (e.source === id) { words = predicateWords(e.predicate).heading; }
      else if (e.target === id) { words = predicateWords(e.predicate).incoming; }
      else { return; }
      counts[words] = (counts[words] || 0) + 1;
    });
    return Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : 1);
    }).slice(0, 5).map(function (words) { return [words, counts[words]]; });
  }

  function showNode(panel, node, data) {
    panel.textContent = "";
    panel.appendChild(element("h2", node.label));
    panel.appendChild(element("p", typeWords(node.type).label +
                              (node.mapped ? "" : " \u00b7 not yet mapped"), "kind"));
    if (node.ids && node.ids.length) {
      var ids = element("dl", null, "ids");
      ids.appendChild(element("dt", "Standard IDs"));
      ids.appendChild(element("dd", node.ids.join(", ")));
      panel.appendChild(ids);
    }
    var top = topRelations(data, node.id);
    if (top.length) {
      panel.appendChild(element("h3", "Top relations"));
      var list = element("ul", null, "top");
      top.forEach(function (pair) { list.appendChild(element("li", pair[0] + ": " + pair[1])); });
      panel.appendChild(list);
    }
    var actions = element("p", null, "actions");
    if (node.href) { actions.appendChild(link(node.href, "Open its page")); }
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(link(graphLink(node), "Centre the graph here"));
    panel.appendChild(actions);
  }

  function showEdge(panel, data, nodes) {
    panel.textContent = "";
    var heading = element("h2");
    heading.appendChild(document.createTextNode(nodes[data.source].label + " "));
    heading.appendChild(element("span", predicateWords(data.predicate).label, "predicate"));
    heading.appendChild(document.createTextNode(" " + nodes[data.target].label));
    panel.appendChild(heading);
    var line = element("p");
    line.appendChild(element("span", MODALITY_NAMES[data.modality],
                             "modality " + data.modality));
    line.appendChild(document.createTextNode(" " + data.articles + " article" +
                                             (data.articles === 1 ? "" : "s")));
    panel.appendChild(line);
    data.claims.forEach(function (claim) {
      var quote = element("blockquote", null, "evidence " + claim.modality);
      quote.appendChild(element("p", "\u201c" + claim.evidence + "\u201d"));
      var source = element("footer");
      source.appendChild(link("/article/" + encodeURIComponent(claim.article) +
                              "#c" + claim.start + "-" + claim.end, claim.title || claim.article));
      source.appendChild(document.createTextNode(" \u2014 " + MODALITY_NAMES[claim.modality]));
      quote.appendChild(source);
      panel.appendChild(quote);
    });
    panel.appendChild(element("p")).appendChild(link(data.href, "All evidence for this relation"));
  }

  // --------------------------------------------------------------- view

  function draw(box, data) {
    var nodes = {}, edges = {};
    data.nodes.forEach(function (n) { nodes[n.id] = n; });
    data.edges.forEach(function (e) { edges[e.id] = e; });
    var found = groups(data);
    var byId = {}, hidden = {};
    found.forEach(function (g) {
      byId[g.id] = g;
      g.members.forEach(function (id) { hidden[id] = true; });
    });
    var elements = [];
    data.nodes.forEach(function (n) { if (!hidden[n.id]) { elements.push(nodeElement(n, data.centre)); } });
    data.edges.forEach(function (e) {
      if (!hidden[e.source] && !hidden[e.target]) { elements.push(edgeElement(e)); }
    });
    found.forEach(function (g) { elements = elements.concat(groupElements(g, nodes)); });
    var reach = distances({centre: data.centre, nodes: elements.filter(function (el) {
      return el.group === "nodes"; }).map(function (el) { return {id: el.data.id}; }),
      edges: elements.filter(function (el) { return el.group === "edges"; }).map(
        function (el) { return el.data; })});
    var rings = {};
    elements.forEach(function (el) {
      if (el.group !== "nodes") { return; }
      var d = reach.dist[el.data.id];
      (rings[d === undefined ? 3 : d] = rings[d === undefined ? 3 : d] || []).push(el.data.id);
    });
    var start = {};
    Object.keys(rings).forEach(function (d) {
      var placed = ringPositions(rings[d], {x: 0, y: 0}, 140 * Number(d));
      Object.keys(placed).forEach(function (id) { start[id] = placed[id]; });
    });
    elements.forEach(function (el) {
      if (el.group === "nodes") { el.position = start[el.data.id]; }
    });

    var cy = window.cytoscape({container: box, elements: elements, wheelSensitivity: 0.3,
                               layout: {name: "preset"}, style: style()});
    var panel = document.getElementById("cy-info");
    var more = document.getElementById("cy-more");
    var status = document.getElementById("cy-focus");
    var focused = null;

    function folded() {
      return found.filter(function (g) { return cy.getElementById(g.id).length; });
    }

    function updateMore() {
      if (!more) { return; }
      var left = folded().reduce(function (n, g) { return n + g.members.length; }, 0);
      more.hidden = left === 0;
      more.textContent = "Show " + left + " more";
      more.setAttribute("aria-label", "Show " + left + " more entities (open every group)");
    }

    function expand(group, quietly) {
      var node = cy.getElementById(group.id);
      if (!node.length) { return; }
      var at = node.position();
      var placed = ringPositions(group.members, at, 50 + 6 * group.members.length);
      cy.batch(function () {
        cy.remove(node);
        cy.add(group.members.map(function (id) {
          var el = nodeElement(nodes[id], data.centre);
          el.position = placed[id];
          return el;
        }).concat(group.edges.map(edgeElement)));
      });
      if (!quietly) { relayout(); }
      if (!quietly) {
        panel.textContent = "";
        panel.appendChild(element("h2", groupLabel(group, nodes)));
        panel.appendChild(element("p", predicateWords(group.predicate).label + " \u2014 " +
                                  nodes[group.hub].label + ": now shown in the picture",
                                  "kind"));
      }
    }

    function relayout() {
      box.dataset.ready = "false";
      arrange(cy, function () {
        updateMore();
        box.dataset.ready = "true";
      });
    }

    function activate(target) {
      if (target.data("cluster")) {
        var group = byId[target.data("cluster") && target.isEdge() ?
          target.id().replace(/:edge$/, "") : target.id()];
        if (group) { expand(group); }
        return;
      }
      if (target.isNode()) { showNode(panel, nodes[target.id()], data); }
      else { showEdge(panel, edges[target.id()], nodes); }
    }

    function focusOn(node) {
      if (focused) { focused.removeClass("focused lit"); }
      focused = node;
      if (!node) { status.textContent = ""; return; }
      node.addClass("focused lit");
      var words = node.data("cluster") ? "a group; Enter opens it" :
        typeWords(node.data("type")).label + "; Enter shows its card";
      status.textContent = node.data("label") + " (" + words + ")";
    }

    cy.on("tap", "node, edge", function (event) { activate(event.target); });
    cy.on("mouseover", "node, edge", function (event) { event.target.addClass("lit"); });
    cy.on("mouseout", "node, edge", function (event) {
      if (event.target !== focused) { event.target.removeClass("lit"); }
    });
    cy.on("dbltap", "node", function (event) {
      var node = nodes[event.target.id()];
      if (node && node.href) { window.location.assign(node.href); }
    });
    var pending = null;
    cy.on("zoom", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { declutter(cy); }, 120);
    });
    box.addEventListener("keydown", function (event) {
      var order = cy.nodes().toArray().sort(function (a, b) {
        return a.renderedPosition().y - b.renderedPosition().y ||
          a.renderedPosition().x - b.renderedPosition().x;
      });
      var index = focused ? order.indexOf(focused) : -1;
      if (event.key === "ArrowDown" || event.key === "ArrowRight") {
        focusOn(order[(index + 1) % order.length]);
      } else if (event.key === "ArrowUp" || event.key === "ArrowLeft") {
        focusOn(order[(index - 1 + order.length) % order.length]);
      } else if (event.key === "Home") {
        focusOn(cy.nodes("[centre = 1]")[0] || order[0]);
      } else if ((event.key === "Enter" || event.key === " ") && focused) {
        var target = focused;
        if (target.data("cluster")) { focusOn(null); }
        activate(target);
      } else if (event.key === "Escape") {
        focusOn(null);
      } else {
        return;
      }
      event.preventDefault();
    });
    if (more) {
      more.addEventListener("click", function () {
        folded().forEach(function (g) { expand(g, true); });
        relayout();
        panel.textContent = "";
        panel.appendChild(element("h2", "Every entity shown"));
        panel.appendChild(element("p", "Each group is open; names that do not fit show on " +
                                  "hover or keyboard focus.", "muted"));
      });
    }
    box.cy = cy;
    box.graphData = data;
    relayout();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("cy");
    if (!box || !window.cytoscape) { return; }
    MODALITY_NAMES = JSON.parse(box.dataset.modalityNames || "{}");
    WORDS = JSON.parse(box.dataset.words || "{\"types\": {}, \"predicates\": {}}");
    fetch(box.dataset.src, {headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("the graph could not be loaded"); }
        return response.json();
      })
      .then(function (data) { draw(box, data); })
      .catch(function (err) {
        box.textContent = "";
        box.appendChild(element("p", err.message + "; the relations are listed below.", "error"));
      });
  });
}());
