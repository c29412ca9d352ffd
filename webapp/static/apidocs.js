// Renders the OpenAPI document on /api/openapi.json's HTML page with the
// vendored Swagger UI (webapp/static/vendor/swagger-ui, from npm; see its
// README).  A separate file, not an inline script: the pages' Content-
// Security-Policy allows scripts from this server only.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({
    url: target.getAttribute("data-spec"),
    domNode: target,
    deepLinking: true,
    // No badge from validator.swagger.io: the page reaches no other host.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    tryItOutEnabled: false,
    onComplete: function () { target.setAttribute("data-ready", "true"); }
  });
});
