// The graph view: draws /api/graph's nodes and edges with the vendored
// Cytoscape.js.  Tapping an entity or a relation shows it in the side
// panel with links to its pages; the same relations are listed as a table
// on the page for keyboards and screen readers.
"use strict";

(function () {
  var MODALITY_COLOURS = {asserted: "#1f6f3d", hedged: "#8a5a00",
                          investigational: "#4a3c99", negated: "#a1252a"};
  // The domain table's words, handed over by the page (data-modality-names).
  var MODALITY_NAMES = {};
  var TYPE_COLOURS = {Drug: "#0b5cad", Chemical: "#00707a", Receptor: "#6b3fa0",
                      Mechanism: "#5a6472", Condition: "#a23b72", AdverseEffect: "#b3261e",
                      Procedure: "#7a5c00", Route: "#3d6b00"};

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

  function graphLink(node) {
    var params = new URLSearchParams(window.location.search);
    params.set("entity", node.href ? node.href.split("/").pop() : node.label);
    return "?" + params.toString();
  }

  function showNode(panel, data) {
    panel.textContent = "";
    panel.appendChild(element("h2", data.label));
    panel.appendChild(element("p", data.type + (data.mapped ? "" : " · not yet mapped"), "kind"));
    var actions = element("p", null, "actions");
    if (data.href) { actions.appendChild(link(data.href, "Open its page")); }
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(link(graphLink(data), "Centre the graph here"));
    panel.appendChild(actions);
  }

  function showEdge(panel, data, nodes) {
    panel.textContent = "";
    var heading = element("h2");
    heading.appendChild(document.createTextNode(nodes[data.source].label + " "));
    heading.appendChild(element("span", data.predicate, "predicate"));
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

  function draw(box, data) {
    var nodes = {};
    data.nodes.forEach(function (n) { nodes[n.id] = n; });
    var elements = data.nodes.map(function (n) {
      return {group: "nodes", data: {id: n.id, label: n.label, type: n.type,
                                     centre: n.id === data.centre ? 1 : 0}};
    }).concat(data.edges.map(function (e) {
      return {group: "edges", data: {id: e.id, source: e.source, target: e.target,
                                     label: e.predicate, modality: e.modality,
                                     negated: e.negated ? 1 : 0}};
    }));
    var cy = window.cytoscape({
      container: box,
      elements: elements,
      wheelSensitivity: 0.3,
      layout: {name: "cose", animate: false, padding: 30, nodeDimensionsIncludeLabels: true,
               idealEdgeLength: function () { return 90; },
               nodeRepulsion: function () { return 9000; }, randomize: false},
      style: [
        {selector: "node", style: {
          "label": "data(label)", "font-size": 12, "color": "#1d2430",
          "text-valign": "bottom", "text-margin-y": 4, "width": 22, "height": 22,
          "text-wrap": "wrap", "text-max-width": 120, "min-zoomed-font-size": 7,
          "background-color": function (n) { return TYPE_COLOURS[n.data("type")] || "#4d5766"; }}},
        {selector: "node[centre = 1]", style: {"width": 34, "height": 34, "border-width": 4,
                                              "border-color": "#f0a400", "font-weight": "bold"}},
        {selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2,
          "label": "data(label)", "font-size": 10, "color": "#4d5766",
          "min-zoomed-font-size": 8,
          "text-background-color": "#fbfcfd", "text-background-opacity": 1,
          "line-color": function (e) { return MODALITY_COLOURS[e.data("modality")]; },
          "target-arrow-color": function (e) { return MODALITY_COLOURS[e.data("modality")]; }}},
        {selector: "edge[negated = 1]", style: {"line-style": "dashed"}},
        {selector: ":selected", style: {"overlay-color": "#f0a400", "overlay-opacity": 0.25}}
      ]
    });
    var panel = document.getElementById("cy-info");
    cy.on("tap", "node", function (event) { showNode(panel, nodes[event.target.id()]); });
    cy.on("tap", "edge", function (event) {
      var edge = data.edges.filter(function (e) { return e.id === event.target.id(); })[0];
      showEdge(panel, edge, nodes);
    });
    cy.on("dbltap", "node", function (event) {
      var node = nodes[event.target.id()];
      if (node.href) { window.location.assign(node.href); }
    });
    box.cy = cy;
    box.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("cy");
    if (!box || !window.cytoscape) { return; }
    MODALITY_NAMES = JSON.parse(box.dataset.modalityNames || "{}");
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
