// Starts Swagger UI on the service's own OpenAPI document. A file of its own, not an inline script, so the
// docs page's Content-Security-Policy allows scripts from this origin only (dwp.platform.docs).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
