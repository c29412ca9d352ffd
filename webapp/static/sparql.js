// The SPARQL editor: CodeMirror with SPARQL highlighting on the
// query box, PREFIX lines added as known prefixes are typed, examples loaded
// into the editor, queries run in place (results table with IRIs linked to
// our pages, ASK answer, or Turtle), download links in every format, and the
// page URL kept shareable.  Without JavaScript the form still works: the
// server renders the same results.
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
      if (change.text.join("") === ":") { addPrefixes(true); }
    });
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

  function hint(cm) {
    var cursor = cm.getCursor();
    var line = cm.getLine(cursor.line);
    var start = cursor.ch;
    while (start > 0 && /[\w:-]/.test(line.charAt(start - 1))) { start--; }
    var word = line.slice(start, cursor.ch);
    var list = Object.keys(prefixes).map(function (p) { return p + ":"; }).concat(KEYWORDS)
      .filter(function (item) { return item.toLowerCase().indexOf(word.toLowerCase()) === 0; });
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
    if (!binding) { return td; }
    if (binding.type === "uri") {
      var a = document.createElement("a");
      var local = binding.value.indexOf(base) === 0;
      a.href = local ? "/" + binding.value.slice(base.length) : binding.value;
      a.title = binding.value;
      a.textContent = local ? binding.value.slice(base.length) : curie(binding.value);
      td.appendChild(a);
    } else if (binding.type === "bnode") {
      td.textContent = "_:" + binding.value;
    } else {
      td.textContent = binding.value;
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

  function showError(code, message) {
    errorBox.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = String(code);
    errorBox.appendChild(strong);
    errorBox.appendChild(document.createTextNode(" " + message));
    errorBox.hidden = false;
  }

  function run() {
    var query = getQuery();
    var form = formOf(query);
    var graph = form === "CONSTRUCT" || form === "DESCRIBE";
    results.hidden = false;
    errorBox.hidden = true;
    truncated.hidden = true;
    status.textContent = "Running…";
    runButton.disabled = true;
    history.replaceState(null, "", endpoint + "?" + new URLSearchParams({query: query}).toString());
    var began = performance.now();
    fetch(endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": graph ? "text/turtle" : "application/sparql-results+json"},
      body: new URLSearchParams({query: query}).toString()
    }).then(function (response) {
      return response.text().then(function (text) { return [response, text]; });
    }).then(function (pair) {
      var response = pair[0], text = pair[1];
      var took = Math.round(performance.now() - began);
      while (output.firstChild) { output.removeChild(output.firstChild); }
      if (!response.ok) {
        status.textContent = "";
        showError(response.status, text.replace(/^\d+ /, "").trim());
        downloads.hidden = true;
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
          output.appendChild(renderTable(data));
        }
      }
      status.textContent = rows.toLocaleString("en") + (rows === 1 ? " row" : " rows") +
        " in " + took + " ms" + (rows === maxRows && !truncated.hidden ? " (cut)" : "");
    }).catch(function (err) {
      status.textContent = "";
      showError("error", String(err));
    }).then(function () { runButton.disabled = false; });
  }

  // ------------------------------------------------------------ wiring

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (editor) { editor.save(); }
    run();
  });

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      setQuery(new URL(link.href, window.location.href).searchParams.get("query") || "");
      run();
    });
  });

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
