/**
 * The dashboard's only HTML: a shell the browser modules fill. No inline script or style (the
 * CSP forbids both); the three views are routes of one page (#/lookup, #/status, #/admin).
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pontis dashboard</title>
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script type="module" src="/dashboard/js/main.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/lookup">Pontis</a>
  <nav>
    <a href="#/lookup" data-route="lookup">Lookup</a>
    <a href="#/status" data-route="status">Networks</a>
    <a href="#/admin" data-route="admin">Admin</a>
  </nav>
  <a class="api" href="/api/docs">API</a>
</header>
<main id="view" aria-live="polite"><p class="muted">Loading…</p></main>
<noscript><p>The dashboard needs JavaScript; the same data is in the REST API at /api/docs.</p></noscript>
</body>
</html>
`;
