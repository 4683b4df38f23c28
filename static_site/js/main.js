// Entry point: read config.json, then show the sign-in page or the contact center.

import { html, render, useEffect, useState } from './lib.js';
import { Api } from './api.js';
import { Store } from './store.js';
import { setLanguage, t } from './i18n.js';
import { Login } from './views/login.js';
import { MentionAlerts } from './views/mentions.js';
import { Panel } from './views/panel.js';
import { Sidebar } from './views/sidebar.js';
import { Topbar } from './views/topbar.js';

function ContactCenter({ controller, onLanguage }) {
  const [state, setState] = useState(controller.state);
  // The admin screens instead of the dialogs: loaded on first use, so operators never download them.
  const [AdminScreens, setAdminScreens] = useState(null);
  const [admin, setAdmin] = useState(false);
  function toggleAdmin(open) {
    if (open && !AdminScreens) {
      import('./views/admin/admin.js').then((module) => setAdminScreens(() => module.AdminScreens));
    }
    setAdmin(open);
  }
  useEffect(() => {
    const unsubscribe = controller.subscribe(setState);
    controller.start();
    return () => {
      unsubscribe();
      controller.stop();
    };
  }, [controller]);
  const open = Boolean(state.dialog);
  return html`
    <div class=${`contact-center ${open ? 'dialog-open' : ''}`}>
      <${Topbar} state=${state} sounds=${controller.sounds} alerts=${controller.alerts} onLanguage=${onLanguage} onSignOut=${() => controller.signOut()}
        api=${controller.api} onStatus=${(status) => controller.presence.setStatus(status)}
        adminOpen=${admin} onAdmin=${(state.operator && state.operator.admin) ? toggleAdmin : null} />
      ${admin ? (AdminScreens && html`<${AdminScreens} api=${controller.api} />`) : html`
      <div class="workspace">
        <${Sidebar} state=${state} controller=${controller} />
        <${Panel} state=${state} controller=${controller} />
      </div>`}
      <${MentionAlerts} mentions=${state.mentions} controller=${controller} />
    </div>`;
}

function App({ api }) {
  const [controller, setController] = useState(() => (api.session ? new Store(api) : null));
  const [, setLang] = useState(0);
  useEffect(() => {
    api.onSignedOut = () => setController(null);
    if (api.session) api.scheduleRefresh();
  }, [api]);
  useEffect(() => {
    // Signed in, the store's alerts keep the title (with the unseen count, alerts.js).
    if (controller) controller.alerts.show(controller.state.unseen);
    else document.title = t('app.title');
  });

  function onLanguage(lang) {
    setLanguage(lang);
    setLang((n) => n + 1);
  }

  function onSignedIn() {
    const next = new Store(api);
    next.sounds.unlocked(); // the sign-in click is the gesture browsers want before sound
    setController(next);
  }

  if (!controller) return html`<${Login} api=${api} onSignedIn=${onSignedIn} onLanguage=${onLanguage} />`;
  return html`<${ContactCenter} key=${controller.sounds.tabId} controller=${controller} onLanguage=${onLanguage} />`;
}

async function boot() {
  const root = document.getElementById('app');
  let config;
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    config = await response.json();
  } catch (_) {
    root.textContent = 'config.json is missing or unreadable.';
    return;
  }
  const api = new Api(config.api_url);
  api.wsUrl = config.ws_url;
  render(html`<${App} api=${api} />`, root);
}

boot();
