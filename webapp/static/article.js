// Article page: when the address names a claim sentence (#c<start>-<end>),
// mark every fragment of that sentence (a sentence crossing another is
// split into several elements; only the first carries the id).
"use strict";

(function () {
  function show() {
    document.querySelectorAll("mark.claim.target").forEach(function (el) {
      el.classList.remove("target");
    });
    var id = window.location.hash.slice(1);
    if (!/^c\d+-\d+$/.test(id)) { return; }
    document.querySelectorAll('mark.claim[data-span="' + id + '"]').forEach(function (el) {
      el.classList.add("target");
    });
  }
  window.addEventListener("hashchange", show);
  document.addEventListener("DOMContentLoaded", show);
}());
