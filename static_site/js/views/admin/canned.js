// Admin: the team's canned replies (docs/operator-api.md, "Canned replies"): every operator
// inserts them with `/` in the composer; only admins add, edit and delete them here.

import { html, useEffect, useState } from '../../lib.js';
import { formatDateTime, t } from '../../i18n.js';
import { ErrorLine } from './common.js';

function ReplyForm({ initial, onSave, onCancel, testid }) {
  const [shortcut, setShortcut] = useState(initial ? initial.shortcut : '');
  const [text, setText] = useState(initial ? initial.text : '');
  return html`
    <form class="canned-form" data-testid=${testid}
      onSubmit=${(e) => { e.preventDefault(); onSave({ shortcut: shortcut.trim(), text }); }}>
      <label>${t('admin.canned.shortcut')}
        <input data-testid="canned-shortcut" value=${shortcut} maxlength="32" required
          placeholder="hello" onInput=${(e) => setShortcut(e.currentTarget.value)} /></label>
      <label>${t('admin.canned.text')}
        <textarea data-testid="canned-text" rows="3" maxlength="2000" required value=${text}
          placeholder=${t('admin.canned.text_hint')} onInput=${(e) => setText(e.currentTarget.value)}></textarea></label>
      <div class="form-actions">
        <button type="submit" class="primary" data-testid="canned-save">${t('lead.save')}</button>
        ${onCancel && html`<button type="button" onClick=${onCancel}>${t('admin.cancel')}</button>`}
      </div>
    </form>`;
}

export function CannedScreen({ admin }) {
  const [items, setItems] = useState([]);
  const [editing, setEditing] = useState(null); // a shortcut, or '' for a new one
  const [error, setError] = useState(null);

  async function load() {
    try {
      setItems((await admin.teamReplies()).items || []);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    load();
  }, [admin]);

  async function run(action) {
    setError(null);
    try {
      await action();
      setEditing(null);
      await load();
    } catch (e) {
      setError(e);
    }
  }

  function save(original, fields) {
    if (original === '') return run(() => admin.createTeamReply(fields));
    const changes = {};
    const current = items.find((item) => item.shortcut === original) || {};
    if (fields.shortcut !== original) changes.shortcut = fields.shortcut;
    if (fields.text !== current.text) changes.text = fields.text;
    return run(() => admin.editTeamReply(original, changes));
  }

  return html`
    <section class="admin-section" data-testid="admin-canned">
      <div class="admin-heading">
        <h2>${t('admin.canned')}</h2>
        <button type="button" class="primary" data-testid="canned-new" onClick=${() => setEditing('')}>
          ${t('admin.canned.new')}</button>
      </div>
      <p class="muted">${t('admin.canned.hint')}</p>
      <${ErrorLine} error=${error} />
      ${editing === '' && html`<${ReplyForm} testid="canned-new-form" onSave=${(f) => save('', f)}
        onCancel=${() => setEditing(null)} />`}
      <table class="admin-table" data-testid="canned-list">
        <thead><tr><th>${t('admin.canned.shortcut')}</th><th>${t('admin.canned.text')}</th>
          <th>${t('admin.canned.updated')}</th><th></th></tr></thead>
        <tbody>
          ${items.map((reply) => (editing === reply.shortcut
            ? html`<tr key=${reply.shortcut}><td colspan="4"><${ReplyForm} initial=${reply} testid="canned-edit-form"
                onSave=${(f) => save(reply.shortcut, f)} onCancel=${() => setEditing(null)} /></td></tr>`
            : html`
              <tr key=${reply.shortcut} data-testid="canned-row" data-shortcut=${reply.shortcut}>
                <td>/${reply.shortcut}</td>
                <td class="canned-row-text">${reply.text}</td>
                <td>${reply.updated_by || ''} · ${formatDateTime(reply.updated_at)}</td>
                <td>
                  <button type="button" data-testid="canned-edit" onClick=${() => setEditing(reply.shortcut)}>
                    ${t('admin.canned.edit')}</button>
                  <button type="button" class="danger" data-testid="canned-delete"
                    onClick=${() => window.confirm(t('admin.canned.confirm_delete', { shortcut: reply.shortcut }))
                      && run(() => admin.deleteTeamReply(reply.shortcut))}>${t('admin.canned.delete')}</button>
                </td>
              </tr>`))}
        </tbody>
      </table>
      ${items.length === 0 && html`<p class="muted">${t('admin.canned.empty')}</p>`}
    </section>`;
}
