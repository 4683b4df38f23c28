// Notices of the notes that @-mention this operator (live frame `dialog.mentioned`): shown
// wherever the operator is, even for a dialog they are not in; Open shows the dialog.

import { html } from '../lib.js';
import { t } from '../i18n.js';

export function MentionAlerts({ mentions, controller }) {
  if (!mentions || !mentions.length) return null;
  return html`
    <div class="mention-alerts" role="status" aria-live="polite">
      ${mentions.map((mention) => html`
        <div key=${mention.key} class="mention-alert" data-testid="mention-alert" data-lead-id=${mention.dialogId}>
          <span>${t('mention.text', { by: mention.by, name: mention.name || t('from.lead') })}</span>
          <button type="button" class="primary" data-testid="mention-open"
            onClick=${() => controller.openMention(mention)}>${t('mention.open')}</button>
          <button type="button" class="link" aria-label=${t('mention.dismiss')}
            onClick=${() => controller.dismissMention(mention)}>×</button>
        </div>`)}
    </div>`;
}
