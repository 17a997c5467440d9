/** The dashboard's stylesheet (served as /dashboard/dashboard.css; a file, because the CSP allows no inline style). */
export const DASHBOARD_CSS = `
:root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #667085; --line: #d9dee7; --accent: #3656d8; --ok: #1f9d55; --bad: #d64545; --warn: #c77d00;
  --activitypub: #6364ff; --atproto: #1185fe; --nostr: #8e30eb; --solid: #e07a10; --in: #444; font-family: system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 15px; }
header.top { display: flex; gap: 24px; align-items: center; padding: 12px 24px; background: #1d2430; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 700; font-size: 18px; }
header.top nav { display: flex; gap: 16px; flex: 1; }
header.top nav a { padding: 4px 8px; border-radius: 4px; }
header.top nav a.active { background: var(--accent); }
main { padding: 24px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 16px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 0 0 8px; }
form.inline { display: flex; gap: 8px; margin-bottom: 16px; flex-wrap: wrap; }
input[type=text], input[type=password] { flex: 1; min-width: 240px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; font-size: 15px; }
button { padding: 8px 14px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font-size: 14px; cursor: pointer; }
button.secondary { background: #e4e7ee; color: var(--ink); }
button:disabled { opacity: .5; cursor: default; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; overflow-wrap: anywhere; }
.card.net-activitypub { border-top: 4px solid var(--activitypub); }
.card.net-atproto { border-top: 4px solid var(--atproto); }
.card.net-nostr { border-top: 4px solid var(--nostr); }
.card.net-solid { border-top: 4px solid var(--solid); }
.muted { color: var(--muted); }
.error { color: var(--bad); background: #fdeaea; border: 1px solid #f3c0c0; padding: 8px 12px; border-radius: 6px; }
.notice { background: #eaf0fd; border: 1px solid #c4d3f7; padding: 8px 12px; border-radius: 6px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e4e7ee; }
.pill.ok, .pill.delivered, .pill.opted_in { background: #dcf3e5; color: #135e34; }
.pill.bad, .pill.failed, .pill.dead, .pill.gone { background: #fbe0e0; color: #8c1d1d; }
.pill.queued, .pill.pending, .pill.skipped { background: #fff1d6; color: #7a4d00; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; font-size: 14px; overflow-wrap: anywhere; }
th { background: #eef1f6; font-weight: 600; }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain li { margin: 4px 0; }
code { font-size: 12px; background: #eef1f6; padding: 1px 4px; border-radius: 3px; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.pager { display: flex; gap: 8px; margin: 8px 0; align-items: center; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
svg.chart { width: 100%; height: auto; background: var(--card); }
svg.chart .axis { stroke: var(--line); stroke-width: 1; }
svg.chart .label { fill: var(--muted); font-size: 11px; }
svg.chart .series { fill: none; stroke-width: 2; }
.series.activitypub, .swatch.activitypub { stroke: var(--activitypub); background: var(--activitypub); }
.series.atproto, .swatch.atproto { stroke: var(--atproto); background: var(--atproto); }
.series.nostr, .swatch.nostr { stroke: var(--nostr); background: var(--nostr); }
.series.solid, .swatch.solid { stroke: var(--solid); background: var(--solid); }
.series.in, .swatch.in { stroke: var(--in); background: var(--in); stroke-dasharray: 4 3; }
.legend { display: flex; gap: 12px; font-size: 12px; color: var(--muted); margin-top: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.light { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: var(--bad); margin-right: 6px; }
.light.on { background: var(--ok); }
label.toggle { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
`;
