// The moderation desk's keys and in-place decisions (issue 19). Without this script each button
// is a plain form POST that lands back on the desk; with it, a decision is one key, no page load.
(() => {
  "use strict";
  const desk = document.getElementById("desk");
  if (!desk) return;
  const UNDO_MS = 10000; // the server accepts an undo for a minute: this is what the moderator is offered
  const KEYS = { a: "approve", r: "reject", s: "spam", d: "remove" };
  const status = document.getElementById("desk-status");
  const waiting = document.getElementById("desk-waiting");
  const done = document.getElementById("desk-done");
  const help = document.getElementById("desk-help");
  const helpButton = document.getElementById("desk-help-button");
  let current = null;
  let last = null; // the last decision: { item, token (a promise), at }
  let countedAt = 0; // the stamp of the count shown: a later answer may carry an older count
  let inFlight = 0; // decisions sent and not answered yet: leaving now could lose them

  const items = () => [...desk.querySelectorAll(".desk-item")];
  const isOpen = (item) => !item.classList.contains("is-decided") && !item.classList.contains("is-busy");
  const say = (text) => { status.textContent = text; };
  const count = (data) => {
    if (data.waiting === undefined || data.counted_at <= countedAt) return;
    countedAt = data.counted_at;
    waiting.textContent = data.waiting;
  };

  function mark(item) {
    if (current) current.classList.remove("is-current");
    current = item;
    if (item) item.classList.add("is-current");
  }

  function focusItem(item) {
    if (!item) {
      mark(null);
      done.hidden = false;
      done.focus();
      return;
    }
    mark(item);
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start" });
  }

  // The nearest comment still to decide, after (step 1) or before (step -1) the given one.
  function following(item, step) {
    const all = items();
    for (let i = all.indexOf(item) + step; i >= 0 && i < all.length; i += step) {
      if (isOpen(all[i])) return all[i];
    }
    return null;
  }

  async function post(url, body) {
    inFlight += 1;
    try {
      return await send(url, body);
    } finally {
      inFlight -= 1;
    }
  }

  async function send(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
      });
    } catch {
      return { ok: false, data: { error: "The desk could not reach the server: nothing was saved." } };
    }
    try {
      return { ok: response.ok, data: await response.json() };
    } catch {
      return { ok: false, data: { error: `The server answered ${response.status}: reload the desk.` } };
    }
  }

  function showOutcome(item, text, isError) {
    const outcome = item.querySelector(".desk-outcome");
    outcome.textContent = text;
    outcome.classList.toggle("desk-error", isError);
    outcome.hidden = false;
    return outcome;
  }

  function decide(item, decision) {
    const form = item && item.querySelector(".desk-decide");
    if (!form || !isOpen(item) || !decision) return;
    const body = new FormData(form);
    body.set("decision", decision);
    item.classList.add("is-busy");
    // Focus moves on at once: the next key is for the next comment while this one is saved.
    if (item === current || item.contains(document.activeElement)) focusItem(following(item, 1) || following(item, -1));
    const entry = { item, at: Date.now() };
    entry.token = post(form.action, body).then(({ ok, data }) => {
      item.classList.remove("is-busy");
      count(data);
      if (!ok) {
        const name = item.querySelector(".desk-title").firstChild.textContent.trim();
        showOutcome(item, data.error, true);
        say(`Comment by ${name}: ${data.error}`);
        if (!current) focusItem(item);
        return null;
      }
      item.classList.add("is-decided");
      const outcome = showOutcome(item, data.message, false);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "desk-button desk-undo";
      button.textContent = "Undo";
      button.addEventListener("click", () => undo(entry));
      outcome.append(" ", button);
      setTimeout(() => button.remove(), UNDO_MS);
      say(`${data.message} Press u to undo.`);
      return data.undo;
    });
    last = entry;
  }

  async function undo(entry) {
    entry = entry || last;
    if (!entry) return say("Nothing to undo.");
    const token = await entry.token;
    if (!token) return say("Nothing to undo: that decision was not saved.");
    if (Date.now() - entry.at > UNDO_MS) return say("Too late to undo: decide the comment again.");
    if (last === entry) last = null;
    const body = new FormData();
    body.set("csrfmiddlewaretoken", entry.item.querySelector("input[name=csrfmiddlewaretoken]").value);
    body.set("token", token);
    const { ok, data } = await post(desk.dataset.undoUrl, body);
    count(data);
    if (!ok) return say(data.error);
    const item = entry.item;
    item.classList.remove("is-decided");
    item.querySelector(".desk-outcome").hidden = true;
    item.querySelector("input[name=state]").value = data.state;
    done.hidden = true;
    say(data.message);
    focusItem(item);
  }

  function showHelp() {
    if (!help.open) help.showModal();
  }

  desk.addEventListener("focusin", (event) => {
    const item = event.target.closest(".desk-item");
    if (item && item !== current) mark(item);
  });

  desk.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.classList.contains("desk-decide") || !form.closest(".desk-item")) return;
    event.preventDefault();
    decide(form.closest(".desk-item"), event.submitter && event.submitter.value);
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || help.open) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    const item = current && current.isConnected ? current : null;
    if (key === "?") {
      showHelp();
    } else if (key === "j" || key === "k") {
      const step = key === "j" ? 1 : -1;
      focusItem(item ? following(item, step) || item : items().find(isOpen));
    } else if (KEYS[key]) {
      decide(item, KEYS[key]);
    } else if (key === "u") {
      undo();
    } else if (key === "b" && item && isOpen(item)) {
      item.querySelector(".desk-ban-button")?.click();
    } else if (key === "o" && item) {
      const details = item.querySelector("details");
      if (details) details.open = !details.open;
    } else {
      return;
    }
    event.preventDefault();
  });

  window.addEventListener("beforeunload", (event) => {
    if (inFlight) event.preventDefault();
  });

  helpButton.hidden = false;
  helpButton.addEventListener("click", showHelp);
  const first = items().find(isOpen);
  if (first) focusItem(first);
})();
