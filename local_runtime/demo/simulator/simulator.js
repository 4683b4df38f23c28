// The lead simulator: plays a lead against the demo bot (local_runtime/demo/bot.py).
// Everything a person typed is rendered with textContent only.

const $ = (id) => document.getElementById(id);
const STORAGE = "handover-simulator";
const POLL_MS = 1000;

const saved = JSON.parse(localStorage.getItem(STORAGE) || "{}");
let leadRef = saved.leadRef || newLeadRef();
let shown = 0;
let sending = false;

function newLeadRef() {
  return "sim-" + Math.random().toString(36).slice(2, 10);
}

function remember() {
  localStorage.setItem(STORAGE, JSON.stringify({ leadRef, name: $("name").value }));
}

function who(item) {
  if (item.from === "lead") return "You";
  if (item.from === "operator") return item.operator ? `Operator ${item.operator}` : "Operator";
  if (item.from === "bot") return "Bot";
  return "";
}

function render(item) {
  const li = document.createElement("li");
  li.className = item.from || "system";
  const label = who(item);
  if (label) {
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = label;
    li.append(from);
  }
  if (item.text) li.append(document.createTextNode(item.text));
  for (const file of item.attachments || []) {
    const link = document.createElement("a");
    link.textContent = file.name || "attachment";
    if (file.url && /^https?:\/\//.test(file.url)) link.href = file.url;
    link.target = "_blank";
    link.rel = "noopener";
    li.append(link);
  }
  return li;
}

function showState(state) {
  const badge = $("state");
  badge.textContent = state || "–";
  badge.className = "state " + (state || "");
}

function showError(message) {
  $("error").textContent = message || "";
}

// One poll at a time: two overlapping polls would both append the same new items.
let polling = null;
function poll() {
  if (!polling) polling = pollOnce().finally(() => { polling = null; });
  return polling;
}

async function pollOnce() {
  try {
    const response = await fetch(`/demo-bot/leads/${encodeURIComponent(leadRef)}?after=${shown}`);
    if (!response.ok) throw new Error(`the demo bot answered ${response.status}`);
    const body = await response.json();
    const list = $("messages");
    for (const item of body.items) list.append(render(item));
    if (body.items.length) list.lastElementChild.scrollIntoView({ block: "end" });
    shown += body.items.length;
    showState(body.state);
    if (!sending) showError("");
  } catch (error) {
    showError(`Cannot reach the local runtime (${error.message}); retrying…`);
  }
}

async function send(text) {
  sending = true;
  try {
    const response = await fetch(`/demo-bot/leads/${encodeURIComponent(leadRef)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, name: $("name").value.trim() || "Simulated lead" }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
    }
    showError("");
    await poll();
  } catch (error) {
    showError(`Not sent: ${error.message}`);
    $("text").value = text;
  } finally {
    sending = false;
  }
}

async function sendFile(file) {
  if (file.size > 10 * 1024 * 1024) {
    showError("Files up to 10 MB here (the gateway's limit for this page).");
    return;
  }
  sending = true;
  try {
    const form = new FormData();
    form.append("name", $("name").value.trim() || "Simulated lead");
    form.append("file", file, file.name);
    const response = await fetch(`/demo-bot/leads/${encodeURIComponent(leadRef)}/files`, { method: "POST", body: form });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
    }
    showError("");
    await poll();
  } catch (error) {
    showError(`Not sent: ${error.message}`);
  } finally {
    sending = false;
  }
}

function startOver() {
  leadRef = newLeadRef();
  shown = 0;
  $("messages").replaceChildren();
  $("lead-ref").textContent = leadRef;
  showState(null);
  remember();
}

$("name").value = saved.name || `Lead ${Math.floor(Math.random() * 9000 + 1000)}`;
$("lead-ref").textContent = leadRef;
remember();
$("name").addEventListener("change", remember);
$("new-lead").addEventListener("click", startOver);
$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || sending) return;
  $("text").value = "";
  send(text);
});
$("file").addEventListener("change", () => {
  const file = $("file").files[0];
  $("file").value = "";
  if (file && !sending) sendFile(file);
});
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
poll();
setInterval(poll, POLL_MS);
