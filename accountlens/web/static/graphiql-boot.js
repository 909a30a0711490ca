// Starts GraphiQL on the explorer page (no inline script: our CSP allows only our own files).
// Queries go to the same origin with the browser session; a cookie-authenticated POST must be
// application/json, which the fetcher sends.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = root.getAttribute("data-endpoint");
  var fetcher = window.GraphiQL.createFetcher({
    url: endpoint,
    fetch: function (url, init) {
      return window.fetch(url, Object.assign({}, init, { credentials: "same-origin" }));
    },
  });
  var example = "# Runs as you, over your browser session.\n{\n  me {\n    role\n    user {\n      displayName\n    }\n  }\n}\n";
  window.ReactDOM.render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      shouldPersistHeaders: false,
    }),
    root
  );
})();
