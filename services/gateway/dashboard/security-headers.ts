/**
 * The dashboard's Content-Security-Policy: scripts and styles only from this origin (no inline
 * script or style, no eval), data only from this origin's API, no framing. Every piece of text
 * the dashboard shows is set with textContent, so a handle like `<script>` is never markup; this
 * policy is the second wall should that ever slip.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HEADERS: Record<string, string> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The admin token travels in a header, never a URL; still, nothing about the page leaks to links it shows.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};
