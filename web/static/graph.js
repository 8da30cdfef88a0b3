/* The graph page: draws /api/graph (networkx node-link JSON) with Cytoscape.js. No inline script, no eval. */
(function () {
  "use strict";

  var container = document.getElementById("cy");
  var details = document.getElementById("graph-details");
  if (!container || typeof window.cytoscape !== "function") { return; }

  var STATUS_COLORS = { disputed: "#c96a00", refuted: "#c0392b", corroborated: "#2e8b57", unverified: "#8a94a3" };
  var TYPE_COLORS = { source: "#1f4f8a", entity: "#7b4fa3" };
  var EDGE_COLORS = {
    contradicts: "#c0392b", corroborates: "#2e8b57", misattribution: "#7b4fa3", different_scope: "#1f4f8a",
    derived_from: "#1f4f8a", evidence: "#aab3bf", about: "#c9cfd6", asserts: "#c3b3d6"
  };
  var PAGES = { claim: "/claims/", source: "/sources/", entity: "/entities/" };
  var controls = {
    view: document.getElementById("g-view"),
    sources: document.getElementById("g-sources"),
    entities: document.getElementById("g-entities"),
    find: document.getElementById("g-find")
  };
  var LARGE = 1500;         // elements (nodes and edges) past which drawing is made cheaper
  var MANY_SOURCES = 60;
  var graph = null;
  var cy = null;
  var sourcesChosen = false;

  function relationOf(link) { return link.relation || link.type || "link"; }
  function keyOf(nodeId) { return nodeId.slice(nodeId.indexOf(":") + 1); }
  function typeOf(nodeId) { return nodeId.slice(0, nodeId.indexOf(":")); }

  function shortLabel(node) {
    var label = String(node.label || node.id);
    // a claim's statement is "Subject metric: value"; the value is what tells rivals apart
    if (node.type === "claim" && label.indexOf(": ") > 0) { label = label.slice(label.indexOf(": ") + 2); }
    return label.length > 34 ? label.slice(0, 33) + "…" : label;
  }

  function colorOf(node) {
    if (node.type === "claim") { return STATUS_COLORS[node.status] || STATUS_COLORS.unverified; }
    return TYPE_COLORS[node.type] || "#8a94a3";
  }

  function elements() {
    var nodes = new Map(graph.nodes.map(function (n) { return [n.id, n]; }));
    function kept(id) {
      var node = nodes.get(id);
      if (!node) { return false; }
      if (node.type === "source") { return controls.sources.checked; }
      if (node.type === "entity") { return controls.entities.checked; }
      return true;
    }
    var used = new Set();
    var edges = [];
    graph.links.forEach(function (link, i) {
      var touchesClaim = typeOf(link.source) === "claim" || typeOf(link.target) === "claim";
      if (!touchesClaim || !kept(link.source) || !kept(link.target)) { return; }
      var relation = relationOf(link);
      used.add(link.source); used.add(link.target);
      edges.push({ group: "edges", data: {
        id: "l" + i, source: link.source, target: link.target, relation: relation,
        color: EDGE_COLORS[relation] || "#aab3bf", reason: link.reason || ""
      } });
    });
    var drawn = [];
    nodes.forEach(function (node, id) {
      if (used.has(id) || (node.type === "claim" && kept(id))) {
        drawn.push({ group: "nodes", data: {
          id: id, type: node.type, label: String(node.label || id), short: shortLabel(node),
          status: node.status || "", color: colorOf(node)
        } });
      }
    });
    return drawn.concat(edges);
  }

  function style() {
    var computed = window.getComputedStyle(container);
    var ink = computed.color || "#1b1f24";
    var paper = computed.backgroundColor || "#ffffff";
    return [
      { selector: "node", style: {
        "background-color": "data(color)", "label": "data(short)", "color": ink, "font-size": 11,
        "text-wrap": "wrap", "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 3,
        "width": 20, "height": 20, "border-width": 0, "min-zoomed-font-size": 7,
        "text-background-color": paper, "text-background-opacity": 0.7, "text-background-padding": 1
      } },
      { selector: "node[type = 'source']", style: { "shape": "round-rectangle", "width": 26, "height": 26 } },
      { selector: "node[type = 'entity']", style: { "shape": "diamond", "width": 24, "height": 24 } },
      { selector: "edge", style: {
        "width": 1, "line-color": "data(color)", "curve-style": "bezier", "opacity": 0.85
      } },
      { selector: "edge[relation = 'contradicts']", style: { "width": 3.5 } },
      { selector: "edge[relation = 'corroborates'], edge[relation = 'misattribution']", style: { "width": 2.5 } },
      { selector: "edge[relation = 'about']", style: { "line-style": "dashed" } },
      { selector: ".faded", style: { "opacity": 0.12 } },
      { selector: ".match", style: { "border-width": 3, "border-color": "#b35c00" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffb400" } }
    ];
  }

  var EDGE_LENGTHS = { contradicts: 70, corroborates: 60, misattribution: 70, evidence: 110, asserts: 110, about: 150 };
  var EDGE_PULL = { contradicts: 40, corroborates: 40, misattribution: 40 };

  function layout(size) {
    // rivals pull close together, sources and entities keep their distance: each dispute forms a knot.
    // The force layout costs the square of the nodes per step, so big graphs get fewer steps.
    return {
      name: "cose", animate: false, padding: 24, nodeRepulsion: function () { return 12000; },
      idealEdgeLength: function (edge) { return EDGE_LENGTHS[edge.data("relation")] || 100; },
      edgeElasticity: function (edge) { return EDGE_PULL[edge.data("relation")] || 300; },
      nodeOverlap: 12, componentSpacing: 60, numIter: size > LARGE ? 150 : 1000
    };
  }

  function line(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (className) { el.className = className; }
    return el;
  }

  function showDetails(node) {
    var data = node.data();
    details.replaceChildren(line("h2", data.label));
    details.appendChild(line("p", data.type + (data.status ? " · " + data.status : ""), "muted"));
    var link = document.createElement("a");
    link.href = PAGES[data.type] + encodeURIComponent(keyOf(data.id));
    link.textContent = "Open the " + data.type + " page";
    var p = document.createElement("p");
    p.appendChild(link);
    details.appendChild(p);
    var rivals = node.connectedEdges("[relation = 'contradicts']");
    if (rivals.length) {
      details.appendChild(line("h3", "Contradicted by"));
      var list = document.createElement("ul");
      rivals.forEach(function (edge) {
        var other = edge.source().id() === data.id ? edge.target() : edge.source();
        list.appendChild(line("li", other.data("label")));
      });
      details.appendChild(list);
    }
  }

  function applyFind() {
    if (!cy) { return; }
    var needle = controls.find.value.trim().toLowerCase();
    cy.elements().removeClass("faded match");
    if (!needle) { return; }
    var hits = cy.nodes().filter(function (n) { return n.data("label").toLowerCase().indexOf(needle) >= 0; });
    cy.elements().not(hits.closedNeighborhood()).addClass("faded");
    hits.addClass("match");
  }

  function draw() {
    if (!graph) { return; }
    if (cy) { cy.destroy(); }
    var drawn = elements();
    cy = window.cytoscape({ container: container, elements: drawn, style: style(), layout: layout(drawn.length),
                            minZoom: 0.1, maxZoom: 3, hideEdgesOnViewport: drawn.length > LARGE,
                            textureOnViewport: drawn.length > LARGE });
    cy.on("tap", "node", function (event) { showDetails(event.target); });
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.ready = "true";
    applyFind();
  }

  function fail(message) {
    details.replaceChildren(line("h2", "The graph could not be loaded"), line("p", message));
  }

  function apiUrl() {
    // the page's JSON twin, with the view the reader picked (the server filters: the disputes of a
    // large corpus are far fewer nodes than the whole graph)
    var url = new URL(container.dataset.api, window.location.href);
    url.searchParams.set("view", controls.view.value);
    return url.pathname + url.search;
  }

  function load() {
    container.dataset.ready = "false";
    return fetch(apiUrl(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("The server answered " + response.status + "."); }
        return response.json();
      })
      .then(function (data) {
        graph = data;
        var sources = graph.nodes.filter(function (n) { return n.type === "source"; }).length;
        if (sources > MANY_SOURCES && !sourcesChosen) {
          // hundreds of articles would bury the disputes: start without them, one click brings them back
          controls.sources.checked = false;
        }
        draw();
      })
      .catch(function (error) { fail(error.message); });
  }

  controls.view.addEventListener("change", load);
  controls.sources.addEventListener("change", function () { sourcesChosen = true; draw(); });
  controls.entities.addEventListener("change", draw);
  controls.find.addEventListener("input", applyFind);
  document.getElementById("graph-controls").addEventListener("submit", function (e) { e.preventDefault(); });
  load();
}());
