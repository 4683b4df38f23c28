// The message box (R11): Enter inserts a line break, Ctrl+Enter (Cmd+Enter on a Mac) or the
// button sends. Files upload straight to S3 with a progress bar; a refused file says why.

import { html, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';

let nextKey = 1;

export function Composer({ controller }) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState([]); // {key, name, progress, uploadId, failed}
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
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

  async function send() {
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

  function onKeyDown(event) {
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

  return html`
    <div class="composer">
      ${error && html`<p class="error composer-error" role="alert">${error}</p>`}
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
        <label class="attach" title=${t('composer.attach')}>
          <span aria-hidden="true">+</span>
          <span class="visually-hidden">${t('composer.attach')}</span>
          <input type="file" class="visually-hidden" data-testid="composer-attach" multiple onChange=${attach} />
        </label>
        <textarea data-testid="composer-input" ref=${input} rows="3" value=${text}
          placeholder=${t('composer.placeholder')} aria-label=${t('composer.placeholder')}
          onInput=${(e) => setText(e.currentTarget.value)} onKeyDown=${onKeyDown}></textarea>
        <button type="button" class="primary" data-testid="composer-send" onClick=${send} disabled=${sending}>
          ${t('composer.send')}
        </button>
      </div>
    </div>`;
}
