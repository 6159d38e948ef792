// Starts Swagger UI on the generated OpenAPI document, served beside this page.
// An external file (not an inline script) so the page runs under the site's strict CSP.
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  window.ui = window.SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // "Try it out" calls this same origin: the gateway that served the page.
    tryItOutEnabled: false,
    // Ask for a bearer token once ("Authorize") and send it on every call; kept only for the tab.
    persistAuthorization: false,
    // No call to swagger.io's online validator (the CSP would refuse it anyway).
    validatorUrl: null,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
  });
});
