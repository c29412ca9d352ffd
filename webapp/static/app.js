// Entity autocomplete for every input with data-suggest: an ARIA 1.2
// combobox (arrow keys move through the list, Enter picks, Escape closes).
// Picking a suggestion in the header search opens the entity's page; in a
// form field (data-fill="label") it fills in the name.
"use strict";

(function () {
  function entityPath(iri) {
    var at = iri.indexOf("/entity/");
    return at >= 0 ? iri.slice(at) : null;
  }

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) { return; }
    var items = [];
    var active = -1;
    var timer = null;
    var serial = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      var path = entityPath(item.iri);
      if (input.dataset.fill === "label" || !path) {
        input.value = item.entity;
        close();
      } else {
        window.location.assign(path);
      }
    }

    function render(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = input.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = item.label;
        option.appendChild(name);
        var detail = document.createElement("span");
        detail.className = "detail";
        detail.textContent = (item.label !== item.entity ? item.entity + " · " : "") + item.type;
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(i);
        });
        list.appendChild(option);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      active = -1;
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < 2) { close(); return; }
      var mine = ++serial;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text) + "&limit=8",
            {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (mine === serial) { render(found); } })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim().length >= 2) { fetchSuggestions(); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        mark(Math.max(active - 1, -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  // Panels folded on phones (search facets) open where the screen is wide
  // enough to show them beside the content: the width of style.css's
  // one-column breakpoint (issue 18).
  function openWhereWide() {
    if (!window.matchMedia("(min-width: 60.01rem)").matches) { return; }
    document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      panel.open = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(setup);
    openWhereWide();
  });
}());
