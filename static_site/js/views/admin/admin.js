// The admin screens (admins only: the top bar shows their entry to members of `admins`, and
// the server answers 403 to anyone else). Bots, webhook dead letters, operators, the team's
// canned replies.

import { html, useMemo, useState } from '../../lib.js';
import { t } from '../../i18n.js';
import { AdminApi } from '../../admin_api.js';
import { BotsScreen } from './bots.js';
import { CannedScreen } from './canned.js';
import { DeadLettersScreen } from './dead_letters.js';
import { OperatorsScreen } from './operators.js';

const SECTIONS = [
  ['bots', BotsScreen],
  ['dead_letters', DeadLettersScreen],
  ['operators', OperatorsScreen],
  ['canned', CannedScreen],
];

export function AdminScreens({ api }) {
  const admin = useMemo(() => new AdminApi(api), [api]);
  const [section, setSection] = useState('bots');
  const Screen = SECTIONS.find(([name]) => name === section)[1];
  return html`
    <div class="admin" data-testid="admin-screens">
      <nav class="tabs admin-nav" role="tablist">
        ${SECTIONS.map(([name]) => html`
          <button type="button" role="tab" data-testid=${`admin-nav-${name}`} aria-selected=${section === name ? 'true' : 'false'}
            class=${section === name ? 'tab active' : 'tab'} onClick=${() => setSection(name)}>${t(`admin.nav.${name}`)}</button>`)}
      </nav>
      <div class="admin-body"><${Screen} key=${section} admin=${admin} /></div>
    </div>`;
}
