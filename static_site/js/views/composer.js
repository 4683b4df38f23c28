// The message box (R11): Enter inserts a line break, Ctrl+Enter (Cmd+Enter on a Mac) or the
// button sends. Files upload straight to S3 with a progress bar; a refused file says why.
// Two modes (docs/operator-ui.md): Reply goes to the lead; Note stays with the operators
// (another background, `@name` mentions a colleague, no files). `/` opens the canned replies.

import { html, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';
import { CannedPicker, filterReplies, slashQuery } from './canned.js';

let nextKey = 1;

export function Composer({ controller }) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState([]); // {key, name, progress, uploadId, failed}
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const [mode, setMode] = useState('reply'); // 'reply' | 'note'
  // The canned-reply picker: where its `/word` starts, the filter, the highlighted row.
  const [picker, setPicker] = useState(null); // {start, query, active}
  const [replies, setReplies] = useState({ items: null, loading: false, failed: false });
  const dismissedAt = useRef(-1);
  const input = useRef(null);
  const filesRef = useRef(files);
  filesRef.current = files;

  function updateFile(key, patch) {
    setFiles(filesRef.current.map((f) => (f.key === key ? { ...f, ...patch } : f)));
    filesRef.current = filesRef.current.map((f) => (f.key === key ? { ...f, ...patch } : f));
  }

  async function attach(event) {
    const chosen = Array.from(event.currentTarget.files || []);
    event.currentTarget.value = '';
    setError(null);
    for (const file of chosen) {
      const entry = { key: nextKey++, name: file.name, progress: 0, uploadId: null };
      filesRef.current = [...filesRef.current, entry];
      setFiles(filesRef.current);
      try {
        const uploadId = await controller.upload(file, (progress) => updateFile(entry.key, { progress }));
        updateFile(entry.key, { uploadId, progress: 1 });
      } catch (e) {
        filesRef.current = filesRef.current.filter((f) => f.key !== entry.key);
        setFiles(filesRef.current);
        setError(t('composer.refused', { name: file.name, reason: e.message }));
      }
    }
  }

  async function loadReplies() {
    if (replies.items || replies.loading) return;
    setReplies({ items: null, loading: true, failed: false });
    try {
      setReplies({ items: await controller.cannedReplies(), loading: false, failed: false });
    } catch (_) {
      setReplies({ items: null, loading: false, failed: true });
    }
  }

  function follow(value, caret) {
    const found = slashQuery(value, caret);
    if (!found || found.start === dismissedAt.current) {
      if (!found) dismissedAt.current = -1;
      setPicker(null);
      return;
    }
    setPicker((current) => ({ ...found, active: current && current.query === found.query ? current.active : 0 }));
    loadReplies();
  }

  function onInput(event) {
    const value = event.currentTarget.value;
    setText(value);
    follow(value, event.currentTarget.selectionStart);
  }

  const shown = picker ? filterReplies(replies.items || [], picker.query) : [];

  // The chosen reply, rendered for this lead, replaces the `/word`; the operator edits it and sends.
  function choose(reply) {
    const element = input.current;
    const caret = element ? element.selectionStart : text.length;
    const inserted = reply.rendered !== undefined ? reply.rendered : reply.text;
    const value = text.slice(0, picker.start) + inserted + text.slice(caret);
    setText(value);
    setPicker(null);
    const at = picker.start + inserted.length;
    requestAnimationFrame(() => {
      if (!input.current) return;
      input.current.focus();
      input.current.setSelectionRange(at, at);
    });
  }

  async function send() {
    if (mode === 'note') return sendNote();
    const ready = filesRef.current.filter((f) => f.uploadId);
    const body = text.trim() ? text : '';
    if (sending || (!body && !ready.length)) return;
    if (filesRef.current.some((f) => !f.uploadId)) return; // wait for the uploads
    setSending(true);
    setError(null);
    // Clear the box at once, so that what the operator types while the message is on its
    // way is never wiped by the answer; a failed send puts the text back if the box is empty.
    const sentText = text;
    setText('');
    try {
      await controller.sendMessage(body, ready.map((f) => f.uploadId));
      filesRef.current = [];
      setFiles([]);
    } catch (e) {
      setText((current) => (current ? current : sentText));
      const refused = e && e.code === 'upload_rejected';
      if (refused) {
        // The files cannot be used again (the server checked them): name them and drop them.
        const names = ready.map((f) => f.name).join(', ');
        filesRef.current = [];
        setFiles([]);
        setError(t('composer.refused', { name: names, reason: e.message }));
      } else {
        setError(t('composer.send_failed', { reason: e ? e.message : '' }));
      }
    } finally {
      setSending(false);
      if (input.current) input.current.focus();
    }
  }

  async function sendNote() {
    if (sending || !text.trim()) return;
    setSending(true);
    setError(null);
    const sentText = text;
    setText('');
    try {
      await controller.sendNote(sentText);
    } catch (e) {
      setText((current) => (current ? current : sentText));
      setError(t('composer.note_failed', { reason: e ? e.message : '' }));
    } finally {
      setSending(false);
      if (input.current) input.current.focus();
    }
  }

  function onPickerKey(event) {
    if (event.key === 'Escape') {
      dismissedAt.current = picker.start;
      setPicker(null);
    } else if (event.key === 'ArrowDown' && shown.length) {
      setPicker({ ...picker, active: (picker.active + 1) % shown.length });
    } else if (event.key === 'ArrowUp' && shown.length) {
      setPicker({ ...picker, active: (picker.active - 1 + shown.length) % shown.length });
    } else if ((event.key === 'Enter' || event.key === 'Tab') && shown.length && !event.ctrlKey && !event.metaKey) {
      choose(shown[Math.min(picker.active, shown.length - 1)]);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  function onKeyDown(event) {
    if (picker && onPickerKey(event)) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
    // A plain Enter is left to the textarea: a new line.
  }

  function remove(key) {
    filesRef.current = filesRef.current.filter((f) => f.key !== key);
    setFiles(filesRef.current);
  }

  const note = mode === 'note';
  return html`
    <div class=${`composer ${note ? 'note-mode' : ''}`} data-mode=${mode}>
      <div class="composer-modes" role="group" aria-label=${t('composer.mode')}>
        <button type="button" class=${`mode ${note ? '' : 'active'}`} data-testid="composer-mode-reply"
          aria-pressed=${note ? 'false' : 'true'} onClick=${() => setMode('reply')}>${t('composer.mode_reply')}</button>
        <button type="button" class=${`mode ${note ? 'active' : ''}`} data-testid="composer-mode-note"
          aria-pressed=${note ? 'true' : 'false'} onClick=${() => setMode('note')}>${t('composer.mode_note')}</button>
      </div>
      ${error && html`<p class="error composer-error" role="alert">${error}</p>`}
      ${picker && html`<${CannedPicker} items=${shown} active=${picker.active} loading=${replies.loading}
        failed=${replies.failed} onChoose=${choose} onHover=${(index) => setPicker({ ...picker, active: index })} />`}
      ${files.length > 0 && html`
        <ul class="pending-files">
          ${files.map((f) => html`
            <li key=${f.key} class=${f.uploadId ? 'uploaded' : 'uploading'}>
              <span class="file-name">${f.name}</span>
              <progress class="upload-progress" max="1" value=${f.progress}
                aria-label=${t('composer.uploading', { name: f.name })}></progress>
              <button type="button" class="link" aria-label=${t('composer.remove', { name: f.name })}
                onClick=${() => remove(f.key)}>×</button>
            </li>`)}
        </ul>`}
      <div class="composer-row">
        ${!note && html`<label class="attach" title=${t('composer.attach')}>
          <span aria-hidden="true">+</span>
          <span class="visually-hidden">${t('composer.attach')}</span>
          <input type="file" class="visually-hidden" data-testid="composer-attach" multiple onChange=${attach} />
        </label>`}
        <textarea data-testid="composer-input" ref=${input} rows="3" value=${text}
          placeholder=${t(note ? 'composer.note_placeholder' : 'composer.placeholder')}
          aria-label=${t(note ? 'composer.note_placeholder' : 'composer.placeholder')}
          aria-expanded=${picker ? 'true' : 'false'}
          onInput=${onInput} onKeyDown=${onKeyDown} onBlur=${() => setPicker(null)}></textarea>
        <button type="button" class="primary" data-testid="composer-send" onClick=${send} disabled=${sending}>
          ${t(note ? 'composer.add_note' : 'composer.send')}
        </button>
      </div>
    </div>`;
}
