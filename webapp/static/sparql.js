// The SPARQL editor: CodeMirror with SPARQL highlighting on the
// query box, PREFIX lines added as known prefixes are typed, autocomplete of
// prefixes, classes and predicates of the ontology (sent by the server in
// data-completions), examples loaded into the editor, queries run in place
// (a sortable results table in pages of 50 with IRIs linked to our pages, ASK
// answer, or Turtle), download links in every format for a query that
// answered (none for a failed one), syntax errors marked at their line and
// column, a cancel button that makes the server stop the query, a history
// of queries kept in this browser, and the page URL kept shareable.
// Without JavaScript the form still works: the server renders the same
// results.
"use strict";

(function () {
  var root = document.getElementById("sparql");
  var textarea = document.getElementById("query");
  if (!root || !textarea) { return; }

  var endpoint = root.dataset.endpoint;
  var base = root.dataset.base;
  var prefixes = JSON.parse(root.dataset.prefixes || "{}");
  var maxRows = parseInt(root.dataset.maxRows || "0", 10);
  var exporter = JSON.parse(root.dataset.export || "null");
  var form = document.getElementById("sparql-form");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var errorBox = document.getElementById("error");
  var truncated = document.getElementById("truncated");
  var downloads = document.getElementById("downloads");
  var output = document.getElementById("output");
  var runButton = document.getElementById("run");
  var cancelButton = document.getElementById("cancel");
  var errorMessage = document.getElementById("error-message");
  var errorDetails = document.getElementById("error-details");
  var errorRaw = document.getElementById("error-raw");
  var queryId = root.dataset.queryId || "";
  var cancelUrl = root.dataset.cancel;
  var terms = JSON.parse(root.dataset.completions || "[]");
  var PAGE_SIZE = 50;
  var HISTORY_KEY = "kg-sparql-history";
  var HISTORY_SIZE = 30;
  var running = null;  // {controller, cancelled} while a query runs
  var TABLE_FORMATS = ["json", "xml", "csv", "tsv"];
  var GRAPH_FORMATS = ["ttl", "nt", "rdfxml", "jsonld"];
  // Datatypes the value already shows (numbers, booleans): no note.
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var PLAIN = ["integer", "decimal", "double", "boolean", "string"].map(function (t) { return XSD + t; });
  var KEYWORDS = ["SELECT", "DISTINCT", "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH",
                  "PREFIX", "ORDER BY", "GROUP BY", "LIMIT", "OFFSET", "CONSTRUCT", "DESCRIBE",
                  "ASK", "VALUES", "BIND", "MINUS", "EXISTS", "NOT EXISTS", "COUNT", "HAVING"];

  var editor = null;
  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true,
      indentUnit: 2, viewportMargin: Infinity,
      extraKeys: {
        "Ctrl-Enter": function () { run(); },
        "Cmd-Enter": function () { run(); },
        "Ctrl-Space": "autocomplete"
      }
    });
    editor.getWrapperElement().setAttribute("aria-label", "SPARQL query editor");
    editor.on("inputRead", function (cm, change) {
      var typed = change.text.join("");
      if (typed === ":") { addPrefixes(true); }
      // Offer the ontology's terms as a prefixed name is typed (hkg:Dr...).
      if (/^[\w:]$/.test(typed) && cm.showHint) {
        var cursor = cm.getCursor();
        var before = cm.getLine(cursor.line).slice(0, cursor.ch);
        if (/(^|[^\w<"'#?$])[A-Za-z][\w-]*:[\w-]*$/.test(before)) {
          cm.showHint({hint: hint, completeSingle: false});
        }
      }
    });
    editor.on("change", clearMark);
    window.CodeMirror.registerHelper("hint", "sparql", hint);
    editor.setOption("hintOptions", {hint: hint, completeSingle: false});
  }

  function getQuery() { return editor ? editor.getValue() : textarea.value; }
  function setQuery(text) {
    if (editor) { editor.setValue(text); editor.focus(); } else { textarea.value = text; }
  }

  // ------------------------------------------------------------ prefixes

  function stripped(text) {
    // The query without strings, IRIs and comments, so that "a:b" inside
    // them is not taken for a prefixed name.
    return text.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ")
      .replace(/<[^<>"{}|^`\\\s]*>/g, " ").replace(/#[^\n]*/g, " ");
  }

  function missingPrefixes(text) {
    var clean = stripped(text);
    var declared = {};
    clean.replace(/PREFIX\s+([A-Za-z][\w.-]*)?:/gi, function (_, name) {
      declared[name || ""] = true; return _;
    });
    var missing = [];
    clean.replace(/(^|[\s(\/^|,;{\[!])([A-Za-z][\w-]*):/g, function (m, lead, name) {
      if (prefixes[name] && !declared[name] && missing.indexOf(name) < 0) { missing.push(name); }
      return m;
    });
    return missing;
  }

  function addPrefixes(quiet) {
    var text = getQuery();
    var missing = missingPrefixes(text);
    if (!missing.length) { return 0; }
    var lines = missing.map(function (name) { return "PREFIX " + name + ": <" + prefixes[name] + ">"; });
    if (editor) {
      var cursor = editor.getCursor();
      editor.replaceRange(lines.join("\n") + "\n", {line: 0, ch: 0});
      editor.setCursor({line: cursor.line + lines.length, ch: cursor.ch});
    } else {
      textarea.value = lines.join("\n") + "\n" + text;
    }
    if (!quiet) { editor && editor.focus(); }
    return lines.length;
  }

  // What Ctrl+Space (or typing a prefixed name) offers: the ontology's
  // classes and predicates as prefixed names (matched by the whole name or
  // by the part after the colon), then prefixes and keywords.
  function hint(cm) {
    var cursor = cm.getCursor();
    var line = cm.getLine(cursor.line);
    var start = cursor.ch;
    while (start > 0 && /[\w:-]/.test(line.charAt(start - 1))) { start--; }
    var word = line.slice(start, cursor.ch).toLowerCase();
    var hasColon = word.indexOf(":") >= 0;
    var list = terms.filter(function (t) {
      var name = t.name.toLowerCase();
      return name.indexOf(word) === 0 ||
        (!hasColon && word && name.slice(name.indexOf(":") + 1).indexOf(word) === 0);
    }).map(function (t) {
      return {text: t.name, className: "hint-" + t.kind,
              displayText: t.name + "  (" + t.kind + (t.label ? ": " + t.label : "") + ")"};
    });
    if (!hasColon) {
      list = list.concat(Object.keys(prefixes).map(function (p) { return p + ":"; })
        .concat(KEYWORDS)
        .filter(function (item) { return item.toLowerCase().indexOf(word) === 0; }));
    }
    return {list: list, from: {line: cursor.line, ch: start}, to: cursor};
  }

  // ------------------------------------------------------------ results

  function formOf(text) {
    var clean = stripped(text).replace(/(PREFIX\s+[\w.-]*:|BASE)\s*/gi, " ");
    var match = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(clean);
    return match ? match[1].toUpperCase() : "SELECT";
  }

  function curie(iri) {
    for (var name in prefixes) {
      if (iri.indexOf(prefixes[name]) === 0 && iri.length > prefixes[name].length) {
        return name + ":" + iri.slice(prefixes[name].length);
      }
    }
    return iri;
  }

  function cell(binding) {
    var td = document.createElement("td");
    if (!binding) { td.dataset.value = ""; return td; }
    if (binding.type === "uri") {
      var a = document.createElement("a");
      var local = binding.value.indexOf(base) === 0;
      a.href = local ? "/" + binding.value.slice(base.length) : binding.value;
      a.title = binding.value;
      a.textContent = local ? binding.value.slice(base.length) : curie(binding.value);
      td.dataset.value = a.textContent;
      td.appendChild(a);
    } else if (binding.type === "bnode") {
      td.textContent = "_:" + binding.value;
      td.dataset.value = td.textContent;
    } else {
      td.textContent = binding.value;
      td.dataset.value = binding.value;
      var note = binding["xml:lang"] ? "@" + binding["xml:lang"] :
        binding.datatype && PLAIN.indexOf(binding.datatype) < 0 ? curie(binding.datatype) : "";
      if (note) {
        var span = document.createElement("span");
        span.className = "datatype";
        span.textContent = note;
        td.appendChild(document.createTextNode(" "));
        td.appendChild(span);
      }
    }
    return td;
  }

  function renderTable(data) {
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var table = document.createElement("table");
    table.className = "results";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (binding) {
      var tr = body.insertRow();
      data.head.vars.forEach(function (name) { tr.appendChild(cell(binding[name])); });
    });
    wrap.appendChild(table);
    return wrap;
  }

  // ------------------------------------------------------------ sort and pages

  // A results table (built here or rendered by the server) sorted by a
  // column on a click of its heading (again: the other way), shown 50 rows
  // at a time with the total.  Rows stay in memory; only a page is in the
  // document.
  function enhanceTable(table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows).map(function (tr, index) {
      return {tr: tr, index: index, keys: Array.prototype.map.call(tr.cells, function (td) {
        return td.dataset.value !== undefined ? td.dataset.value : td.textContent;
      })};
    });
    var state = {column: -1, descending: false, page: 0};
    var pager = document.createElement("nav");
    pager.className = "pager";
    pager.setAttribute("aria-label", "Result pages");
    var summary = document.createElement("span");
    summary.className = "pager-summary";
    var prev = document.createElement("button");
    prev.type = "button";
    prev.className = "secondary";
    prev.textContent = "Previous";
    var next = document.createElement("button");
    next.type = "button";
    next.className = "secondary";
    next.textContent = "Next";
    pager.appendChild(prev);
    pager.appendChild(summary);
    pager.appendChild(next);
    table.parentNode.insertBefore(pager, table.nextSibling);
    var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    pager.hidden = rows.length <= PAGE_SIZE;

    function numeric(column) {
      var seen = false;
      for (var i = 0; i < rows.length; i++) {
        var key = rows[i].keys[column];
        if (key === "") { continue; }
        if (!isFinite(Number(key))) { return false; }
        seen = true;
      }
      return seen;
    }

    function show() {
      while (body.firstChild) { body.removeChild(body.firstChild); }
      var first = state.page * PAGE_SIZE;
      rows.slice(first, first + PAGE_SIZE).forEach(function (row) { body.appendChild(row.tr); });
      summary.textContent = "Rows " + (rows.length ? first + 1 : 0).toLocaleString("en") + "–" +
        Math.min(first + PAGE_SIZE, rows.length).toLocaleString("en") + " of " +
        rows.length.toLocaleString("en") + " · page " + (state.page + 1) + " of " + pages;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }

    function sortBy(column) {
      state.descending = state.column === column ? !state.descending : false;
      state.column = column;
      var byNumber = numeric(column);
      var sign = state.descending ? -1 : 1;
      rows.sort(function (a, b) {
        var x = a.keys[column], y = b.keys[column];
        if (x === "" || y === "") {  // empty cells last, either way
          return x === y ? a.index - b.index : x === "" ? 1 : -1;
        }
        var order = byNumber ? Number(x) - Number(y) :
          x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
        return order ? sign * order : a.index - b.index;
      });
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        if (i === column) {
          th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
        } else {
          th.removeAttribute("aria-sort");
        }
      });
      state.page = 0;
      show();
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = "Sort by this column";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(i); });
    });
    prev.addEventListener("click", function () { state.page--; show(); });
    next.addEventListener("click", function () { state.page++; show(); });
    show();
  }

  function setDownloads(query, form) {
    var names = (form === "CONSTRUCT" || form === "DESCRIBE") ? GRAPH_FORMATS : TABLE_FORMATS;
    while (downloads.children.length) { downloads.removeChild(downloads.lastChild); }
    downloads.textContent = "Download: ";
    names.forEach(function (name) {
      var a = document.createElement("a");
      a.href = endpoint + "?" + new URLSearchParams({query: query, format: name}).toString();
      a.dataset.format = name;
      a.download = "results." + (name === "rdfxml" ? "rdf" : name);  // RDF/XML's extension
      a.textContent = name.toUpperCase();
      downloads.appendChild(a);
      downloads.appendChild(document.createTextNode(" "));
    });
    downloads.hidden = false;
  }

  // The relations a CONSTRUCT names, exported with their claims and sources:
  // the links the server renders under a CONSTRUCT it ran, rebuilt here for
  // one run in place (it empties #output, where those links live).
  function addExportLinks(query) {
    if (!exporter) { return; }
    var p = document.createElement("p");
    p.className = "downloads";
    p.id = "export-downloads";
    p.textContent = "Download the relations this CONSTRUCT names, with the claims, quotes " +
      "and sources behind them: ";
    exporter.formats.forEach(function (f, i) {
      var a = document.createElement("a");
      a.href = exporter.url + "?" + new URLSearchParams({construct: query, format: f.name}).toString();
      a.download = f.file;
      a.type = f.type;
      a.title = f.label;
      a.dataset.format = f.name;
      a.textContent = f.text;
      if (i) { p.appendChild(document.createTextNode(" · ")); }
      p.appendChild(a);
    });
    var more = document.createElement("a");
    more.href = exporter.url + "?" + new URLSearchParams({construct: query}).toString();
    more.textContent = "more options";
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(more);
    output.appendChild(p);
  }

  // ------------------------------------------------------------ errors

  // A syntax error's place, marked in the editor: the line highlighted,
  // the word at the column underlined, and scrolled into view.
  var marks = [];

  function clearMark() {
    if (!editor) { return; }
    marks.forEach(function (mark) {
      if (mark.lineClass !== undefined) {
        editor.removeLineClass(mark.lineClass, "background", "cm-error-line");
      } else {
        mark.clear();
      }
    });
    marks = [];
  }

  function markError(line, column) {
    if (!editor || !line) { return; }
    clearMark();
    var index = Math.min(Math.max(line - 1, 0), editor.lineCount() - 1);
    var text = editor.getLine(index);
    // The engine counts characters (code points); CodeMirror UTF-16 units.
    var ch = Array.from(text).slice(0, Math.max((column || 1) - 1, 0)).join("").length;
    var end = ch;
    while (end < text.length && /[\w:?$.<>"'-]/.test(text.charAt(end))) { end++; }
    if (end === ch) { end = Math.min(ch + 1, text.length); }
    if (end === ch && ch > 0) { ch--; }  // at the end of the line: its last character
    editor.addLineClass(index, "background", "cm-error-line");
    marks.push({lineClass: index});
    if (end > ch) {
      marks.push(editor.markText({line: index, ch: ch}, {line: index, ch: end},
                                 {className: "cm-error-mark", title: errorMessage.textContent}));
    }
    // The sentence again, under the marked line, where the eye is.
    var note = document.createElement("div");
    note.className = "cm-error-widget";
    note.textContent = errorMessage.textContent.replace(/^\d+ /, "");
    marks.push(editor.addLineWidget(index, note));
    editor.setCursor({line: index, ch: ch});
    editor.scrollIntoView({line: index, ch: ch}, 80);
    // The editor grows with its text, so the page is what scrolls.
    var shown = editor.getWrapperElement().querySelector(".cm-error-mark, .cm-error-line");
    if (shown) { shown.scrollIntoView({block: "center"}); }
  }

  function showError(code, message, details) {
    errorMessage.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = String(code);
    errorMessage.appendChild(strong);
    errorMessage.appendChild(document.createTextNode(" " + message));
    errorRaw.textContent = details || "";
    errorDetails.hidden = !details;
    errorDetails.open = false;
    errorBox.hidden = false;
  }

  function noDownloads() {
    downloads.hidden = true;
    while (downloads.firstChild) { downloads.removeChild(downloads.firstChild); }
  }

  // ------------------------------------------------------------ history

  function loadHistory() {
    try {
      var items = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && i.query; }) : [];
    } catch (err) {
      return [];
    }
  }

  function saveHistory(items) {
    try {
      if (items.length) {
        window.localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_SIZE)));
      } else {
        window.localStorage.removeItem(HISTORY_KEY);
      }
    } catch (err) { /* storage full or disabled: history is a convenience */ }
  }

  function remember(query, outcome) {
    var items = loadHistory().filter(function (item) { return item.query !== query; });
    items.unshift({query: query, at: new Date().toISOString(), outcome: outcome});
    saveHistory(items);
    renderHistory();
  }

  function summaryOf(query) {
    var lines = query.split("\n").map(function (l) { return l.trim(); }).filter(function (l) {
      return l && l.charAt(0) !== "#" && !/^(PREFIX|BASE)\b/i.test(l);
    });
    var text = lines.join(" ").replace(/\s+/g, " ");
    return text.length > 90 ? text.slice(0, 89) + "…" : text || query.slice(0, 90);
  }

  var historyBox = document.getElementById("history");
  var historyList = document.getElementById("history-list");

  function renderHistory() {
    var items = loadHistory();
    while (historyList.firstChild) { historyList.removeChild(historyList.firstChild); }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link history-item";
      button.textContent = summaryOf(item.query);
      button.title = item.query;
      button.addEventListener("click", function () { setQuery(item.query); });
      li.appendChild(button);
      var when = document.createElement("span");
      when.className = "muted small";
      var at = new Date(item.at);
      when.textContent = " " + (isNaN(at) ? "" : at.toLocaleString()) +
        (item.outcome ? " · " + item.outcome : "");
      li.appendChild(when);
      historyList.appendChild(li);
    });
    historyBox.hidden = false;
    document.getElementById("clear-history").hidden = !items.length;
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "muted small";
      empty.textContent = "No queries yet.";
      historyList.appendChild(empty);
    }
  }

  // ------------------------------------------------------------ running

  function finish() {
    running = null;
    runButton.disabled = false;
    cancelButton.hidden = true;
    cancelButton.disabled = false;
  }

  function run() {
    if (running) { return; }
    var query = getQuery();
    var form = formOf(query);
    var graph = form === "CONSTRUCT" || form === "DESCRIBE";
    results.hidden = false;
    errorBox.hidden = true;
    truncated.hidden = true;
    clearMark();
    status.textContent = "Running…";
    runButton.disabled = true;
    cancelButton.hidden = false;
    history.replaceState(null, "", endpoint + "?" + new URLSearchParams({query: query}).toString());
    var began = performance.now();
    var controller = window.AbortController ? new AbortController() : null;
    running = {controller: controller, cancelled: false};
    var headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Accept": graph ? "text/turtle" : "application/sparql-results+json"};
    if (queryId) { headers["X-Query-Id"] = queryId; }
    fetch(endpoint, {
      method: "POST", headers: headers, signal: controller ? controller.signal : undefined,
      body: new URLSearchParams({query: query}).toString()
    }).then(function (response) {
      return response.text().then(function (text) { return [response, text]; });
    }).then(function (pair) {
      var response = pair[0], text = pair[1];
      var took = Math.round(performance.now() - began);
      while (output.firstChild) { output.removeChild(output.firstChild); }
      if (!response.ok) {
        noDownloads();
        if (response.status === 409 && running && running.cancelled) {
          status.textContent = "Cancelled: the server stopped the query.";
          remember(query, "cancelled");
          return;
        }
        status.textContent = "";
        var body = text.replace(/^\d+ /, "");
        var cut = body.indexOf("\n");
        var message = (cut < 0 ? body : body.slice(0, cut)).trim();
        var details = cut < 0 ? "" : body.slice(cut + 1).replace(/^\s*The parser said:\s*/, "").trim();
        showError(response.status, message, details);
        markError(parseInt(response.headers.get("X-Error-Line") || "0", 10),
                  parseInt(response.headers.get("X-Error-Column") || "0", 10));
        remember(query, "error " + response.status);
        return;
      }
      var rows = parseInt(response.headers.get("X-Result-Rows") || "0", 10);
      truncated.hidden = !response.headers.get("X-Result-Truncated");
      setDownloads(query, form);
      if (graph) {
        var pre = document.createElement("pre");
        pre.className = "rdf";
        pre.textContent = text;
        output.appendChild(pre);
        if (form === "CONSTRUCT") { addExportLinks(query); }
      } else {
        var data = JSON.parse(text);
        if (typeof data.boolean === "boolean") {
          var p = document.createElement("p");
          p.className = "boolean";
          p.textContent = String(data.boolean);
          output.appendChild(p);
        } else {
          var wrap = renderTable(data);
          output.appendChild(wrap);
          enhanceTable(wrap.querySelector("table"));
        }
      }
      status.textContent = rows.toLocaleString("en") + (rows === 1 ? " row" : " rows") +
        " in " + took + " ms" + (rows === maxRows && !truncated.hidden ? " (cut)" : "");
      remember(query, rows.toLocaleString("en") + (rows === 1 ? " row" : " rows"));
    }).catch(function (err) {
      noDownloads();
      if (running && running.cancelled) {
        status.textContent = "Cancelled.";
        remember(query, "cancelled");
        return;
      }
      status.textContent = "";
      showError("error", String(err), "");
    }).then(finish, finish);
  }

  // Asks the server to stop this page's query (its worker is killed); the
  // query's own request then answers 409.  If the server no longer runs it
  // (it just finished, or the request is refused), the page stops waiting.
  function cancel() {
    if (!running) { return; }
    var current = running;
    current.cancelled = true;
    cancelButton.disabled = true;
    status.textContent = "Cancelling…";
    fetch(cancelUrl, {
      method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({id: queryId}).toString()
    }).then(function (response) {
      if (!response.ok && running === current && current.controller) {
        current.controller.abort();
      }
    }, function () {
      if (running === current && current.controller) { current.controller.abort(); }
    });
  }

  // ------------------------------------------------------------ wiring

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (editor) { editor.save(); }
    run();
  });

  cancelButton.addEventListener("click", cancel);

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (running) { return; }
      setQuery(new URL(link.href, window.location.href).searchParams.get("query") || "");
      run();
    });
  });

  document.getElementById("clear-history").addEventListener("click", function () {
    saveHistory([]);
    renderHistory();
  });
  renderHistory();

  // What the server rendered (a shared link, or the page without a run in
  // place): its table gets sorting and pages, its syntax error its mark.
  var served = output.querySelector("table.results");
  if (served) { enhanceTable(served); }
  if (!errorBox.hidden && errorBox.dataset.line) {
    markError(parseInt(errorBox.dataset.line, 10), parseInt(errorBox.dataset.column, 10));
  }
  if (!errorBox.hidden && downloads) { noDownloads(); }

  var addButton = document.getElementById("add-prefixes");
  addButton.hidden = false;
  addButton.addEventListener("click", function () { addPrefixes(false); });

  var copyButton = document.getElementById("copy-link");
  copyButton.hidden = false;
  copyButton.addEventListener("click", function () {
    var link = window.location.origin + endpoint + "?" +
      new URLSearchParams({query: getQuery()}).toString();
    history.replaceState(null, "", link);
    if (navigator.clipboard) {
      navigator.clipboard.writeText(link).then(function () {
        status.textContent = "Link copied";
      }, function () { status.textContent = "Link in the address bar"; });
    } else {
      status.textContent = "Link in the address bar";
    }
  });
})();
