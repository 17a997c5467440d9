import { adminPage } from './admin-page.js';
import { doc, win } from './dom.js';
import { h } from './el.js';
import { lookupPage } from './lookup-page.js';
import { parseRoute } from './route.js';
import { statusPage } from './status-page.js';

/** The dashboard's router: one view at a time, chosen by the URL fragment. */
let cleanup: (() => void) | undefined;

function render(): void {
  cleanup?.();
  cleanup = undefined;
  const view = doc.getElementById('view');
  if (!view) return;
  const route = parseRoute(win.location.hash);
  const links = doc.querySelectorAll('nav a[data-route]');
  for (let i = 0; i < links.length; i++) links[i]!.classList.toggle('active', links[i]!.getAttribute('data-route') === route.view);
  try {
    if (route.view === 'status') cleanup = statusPage(view);
    else if (route.view === 'admin') adminPage(view);
    else lookupPage(view, route.params);
  } catch (err) {
    view.replaceChildren(h('p', { class: 'error' }, `The dashboard failed: ${(err as Error).message}`));
  }
}

win.addEventListener('hashchange', render);
render();
