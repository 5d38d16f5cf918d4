// Boots Cadenza's self-hosted GraphiQL page (app/static/graphiql.html).
//
// Loaded as a same-origin file so the page runs under a strict Content-Security-Policy
// with no inline script. Expects the UMD globals React, ReactDOM, GraphiQL (graphiql 3.x)
// and graphqlWs (graphql-ws), all served by the app from graphiql/node_modules.
//
// Queries and mutations go over HTTP POST to the page's own path; subscriptions go over a
// websocket on the same path with the graphql-transport-ws protocol. GraphiQL's headers
// editor ({"Authorization": "Bearer <token>"}) is sent with every HTTP request by GraphiQL
// itself, and as the connection_init payload (connectionParams) of the websocket, read
// lazily when the socket connects.
(function () {
  "use strict";

  var PLACEHOLDER_VALUE = "Bearer <paste token>";
  var PLACEHOLDER_HEADERS = JSON.stringify({ Authorization: PLACEHOLDER_VALUE }, null, 2);
  // GraphiQL (shouldPersistHeaders) keeps the active tab's headers under this key.
  var HEADERS_STORAGE_KEY = "graphiql:headers";

  var root = document.getElementById("graphiql");
  var endpoint = root.getAttribute("data-endpoint") || window.location.pathname;
  var httpUrl = new URL(endpoint, window.location.href);
  var wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === "https:" ? "wss:" : "ws:";
  wsUrl.hash = "";
  wsUrl.search = "";

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // Drops the placeholder (and non-string values) so an untouched headers editor sends no
  // bogus "Authorization: Bearer <paste token>" that the server would reject.
  function cleanHeaders(headers) {
    var clean = {};
    if (!isPlainObject(headers)) {
      return clean;
    }
    Object.keys(headers).forEach(function (name) {
      var value = headers[name];
      if (typeof value === "string" && value.indexOf("<paste token>") === -1) {
        clean[name] = value;
      }
    });
    return clean;
  }

  function readStoredHeaders() {
    try {
      var raw = window.localStorage.getItem(HEADERS_STORAGE_KEY);
      if (raw && raw.trim()) {
        return JSON.parse(raw);
      }
    } catch (_err) {
      // No storage (private mode) or a half-typed JSON: nothing usable.
    }
    return null;
  }

  // Headers of the last operation GraphiQL ran: GraphiQL parses its headers editor and hands
  // the result to the fetcher, so this is exactly what the active tab shows.
  var lastHeaders = null;

  function currentHeaders() {
    return cleanHeaders(lastHeaders !== null ? lastHeaders : readStoredHeaders());
  }

  // One lazy graphql-ws client per set of headers: a token pasted later gets a fresh
  // connection (a socket authenticates once, in connection_init), while subscriptions
  // already running keep theirs; an unused client closes its socket by itself (lazy).
  var wsClient = null;
  var wsClientKey = null;

  function clientForCurrentHeaders() {
    var key = JSON.stringify(currentHeaders());
    if (wsClient === null || key !== wsClientKey) {
      wsClientKey = key;
      wsClient = graphqlWs.createClient({
        url: wsUrl.href,
        lazy: true,
        retryAttempts: 3,
        connectionParams: function () {
          return currentHeaders();
        },
      });
    }
    return wsClient;
  }

  var wsClientProxy = {
    subscribe: function (payload, sink) {
      return clientForCurrentHeaders().subscribe(payload, sink);
    },
  };

  var baseFetcher = GraphiQL.createFetcher({ url: httpUrl.href, wsClient: wsClientProxy });

  function fetcher(graphQLParams, opts) {
    var options = Object.assign({}, opts);
    if (options.headers !== undefined) {
      lastHeaders = options.headers;
      options.headers = cleanHeaders(options.headers);
    }
    return baseFetcher(graphQLParams, options);
  }

  var storedHeaders = readStoredHeaders();
  var headersEmpty = !isPlainObject(storedHeaders) || Object.keys(storedHeaders).length === 0;

  var props = {
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
    // Used by GraphiQL only where the headers editor would otherwise be empty.
    defaultHeaders: PLACEHOLDER_HEADERS,
  };
  if (headersEmpty) {
    props.defaultEditorToolsVisibility = "headers";
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
