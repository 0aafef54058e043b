/* Threadline's progressive enhancement: everything here also works without it.
 *
 * - Reply opens the form inline under the comment (the server renders it), and a
 *   posted comment or reply appears in place (the server answers with its <li>).
 * - A character counter, a preview (rendered by the server's own Markdown
 *   renderer) and, for guests who tick the box, name and email remembered in
 *   this browser's localStorage.
 * No inline script or style anywhere, so a strict Content-Security-Policy holds.
 */
(function () {
  "use strict";

  var FRAGMENT_HEADERS = { Accept: "text/html+fragment", "X-Requested-With": "fetch" };
  var GUEST_KEY = "threadline.guest";

  function parseFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function readGuest() {
    try { return JSON.parse(localStorage.getItem(GUEST_KEY) || "null"); } catch (e) { return null; }
  }

  function writeGuest(value) {
    try {
      if (value) localStorage.setItem(GUEST_KEY, JSON.stringify(value));
      else localStorage.removeItem(GUEST_KEY);
    } catch (e) { /* storage disabled: nothing is remembered */ }
  }

  /* Counter, preview and "remember me" on one comment form. */
  function enhanceForm(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    var body = form.querySelector("textarea[name=body]");
    var counter = form.querySelector("[data-counter]");
    if (body && counter) {
      var limit = parseInt(body.getAttribute("maxlength") || body.getAttribute("data-maxlength"), 10) || 0;
      counter.id = body.id + "_counter";
      var described = (body.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(counter.id) < 0) described.push(counter.id);
      body.setAttribute("aria-describedby", described.join(" "));
      var update = function () {
        // Line breaks count as one, as the server counts them (issue 20: the limit is shown, never a silent cut).
        var used = body.value.replace(/\r\n/g, "\n").length;
        var over = limit > 0 && used > limit;
        counter.textContent = over
          ? (used - limit) + " characters over the limit of " + limit + ": please shorten your comment"
          : (limit ? used + " / " + limit + " characters" : used + " characters");
        counter.classList.toggle("near-limit", limit > 0 && used > limit * 0.9);
        counter.classList.toggle("over-limit", over);
        if (over) body.setAttribute("aria-invalid", "true");
        else if (!form.querySelector(".field-body.has-error")) body.removeAttribute("aria-invalid");
      };
      body.addEventListener("input", update);
      update();
      counter.hidden = false;
    }

    var previewButton = form.querySelector("[data-preview-button]");
    var previewBox = form.querySelector("[data-preview]");
    if (body && previewButton && previewBox && form.dataset.previewUrl) {
      previewButton.hidden = false;
      previewButton.addEventListener("click", function () {
        var data = new FormData();
        data.append("body", body.value);
        data.append("csrfmiddlewaretoken", csrfToken(form));
        previewButton.disabled = true;
        fetch(form.dataset.previewUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: Object.assign({ "X-CSRFToken": csrfToken(form) }, FRAGMENT_HEADERS),
        }).then(function (response) {
          return response.text().then(function (html) {
            previewBox.replaceChildren();
            var title = document.createElement("p");
            title.className = "preview-title";
            title.textContent = "Preview";
            var content = document.createElement("div");
            content.className = "comment-body";
            content.appendChild(parseFragment(html));
            previewBox.append(title, content);
            previewBox.hidden = false;
          });
        }).catch(function () {
          previewBox.textContent = "The preview could not be loaded; your text is still here.";
          previewBox.hidden = false;
        }).finally(function () { previewButton.disabled = false; });
      });
    }

    var remember = form.querySelector("[data-remember]");
    var name = form.querySelector("input[name=name]");
    var email = form.querySelector("input[name=email]");
    if (remember && name && email) {
      var box = remember.querySelector("input[type=checkbox]");
      var saved = readGuest();
      if (saved) {
        if (!name.value) name.value = saved.name || "";
        if (!email.value) email.value = saved.email || "";
        box.checked = true;
      }
      remember.hidden = false;
      box.addEventListener("change", function () { if (!box.checked) writeGuest(null); });
    }

    // Inline replies post with fetch and appear in place; the form under the article
    // posts the ordinary way and lands on the new comment (#comment-<pk>).
    // Issue 20: the form under the article posts with fetch too, so a refusal shows in place.
    if (form.querySelector("input[name=parent]")) {
      form.addEventListener("submit", submitComment);
    } else {
      form.addEventListener("submit", function () { rememberGuest(form); });
    }
  }

  function rememberGuest(form) {
    var box = form.querySelector("[data-remember] input[type=checkbox]");
    if (!box) return;
    if (box.checked) {
      writeGuest({
        name: form.querySelector("input[name=name]").value,
        email: form.querySelector("input[name=email]").value,
      });
    } else {
      writeGuest(null);
    }
  }

  function bumpCount(element, pattern, delta) {
    if (!element) return;
    var count = (parseInt(element.getAttribute("data-count") || element.textContent, 10) || 0) + delta;
    element.setAttribute("data-count", count);
    element.textContent = pattern(count);
  }

  function placeComment(li, parentPk) {
    var list;
    if (parentPk) {
      var parent = document.getElementById("comment-" + parentPk);
      if (!parent) return false;
      var details = parent.querySelector(":scope > details.thread-toggle");
      if (!details) {
        details = document.createElement("details");
        details.className = "thread-toggle";
        details.open = true;
        var summary = document.createElement("summary");
        summary.textContent = "0 replies";
        details.appendChild(summary);
        details.appendChild(document.createElement("ol")).className = "replies";
        parent.appendChild(details);
      }
      details.open = true;
      list = details.querySelector(":scope > ol.replies");
      // Every enclosing subtree now hides one more reply (not for a held one: issue 20).
      var held = !!li.querySelector(":scope > .comment-meta .awaiting");
      for (var node = held ? null : details; node; node = node.parentElement && node.parentElement.closest("details.thread-toggle")) {
        bumpCount(node.querySelector(":scope > summary"), function (n) { return n + (n === 1 ? " reply" : " replies"); }, 1);
      }
    } else {
      list = document.querySelector("#discussion ol.comments");
      if (!list) { // the article's first comment: its list goes where the threads go (issue 20)
        var anchor = document.querySelector("#discussion .jump") || document.getElementById("comment-form-title");
        if (!anchor) return false;
        list = document.createElement("ol");
        list.className = "comments";
        anchor.parentNode.insertBefore(list, anchor.classList.contains("jump") ? anchor.nextSibling : anchor);
      }
    }
    list.appendChild(li);
    if (!li.querySelector(":scope > .comment-meta .awaiting")) { /* a held comment is no one else's count (issue 20) */
      bumpCount(document.getElementById("discussion-title"), function (n) {
        return n + (n === 1 ? " comment" : " comments");
      }, 1);
    }
    return true;
  }

  function submitComment(event) {
    var form = event.currentTarget;
    if (!window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-form-status]");
    if (!status) {
      status = document.createElement("p");
      status.className = "form-status";
      status.setAttribute("data-form-status", "");
      status.setAttribute("role", "status");
      form.appendChild(status);
    }
    button.disabled = true;
    status.textContent = "Posting…";
    rememberGuest(form);
    var parentPk = form.querySelector("input[name=parent]").value;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrfToken(form) }, FRAGMENT_HEADERS),
    }).then(function (response) {
      return response.text().then(function (html) {
        var landing = response.headers.get("X-Comment-Location");
        if (response.status === 204 && landing) { land(landing); return; }
        if (response.status === 201) {
          var li = parseFragment(html).querySelector("li.comment");
          var shown = li && document.getElementById(li.id); // this form, sent twice: already here
          if (shown) { finishPosting(form, shown, parentPk); return; }
          // A new thread shows on this page only if it is the page it belongs to (issue 20).
          if (!parentPk && landing && !onThisPage(landing)) { land(landing); return; }
          if (!li || !placeComment(li, parentPk)) { land(landing || window.location.href); return; }
          finishPosting(form, li, parentPk);
        } else if (response.status >= 400 && response.status < 500 && html.indexOf("<form") >= 0) {
          showErrors(form, html);
        } else {
          throw new Error("unexpected answer " + response.status);
        }
      });
    }).catch(function () {
      // Let the browser post it the old way: the server answers with a whole page.
      form.removeEventListener("submit", submitComment);
      form.submit();
    }).finally(function () {
      button.disabled = false;
      if (status.textContent === "Posting…") status.textContent = "";
    });
  }

  function land(url) { // a whole page load, even when only the #fragment differs
    if (onThisPage(url)) {
      history.replaceState(null, "", url);
      window.location.reload();
    } else {
      window.location.assign(url);
    }
  }

  function onThisPage(url) {
    var target = new URL(url, window.location.href);
    return target.pathname === window.location.pathname && target.search === window.location.search;
  }

  function uuid4() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function finishPosting(form, li, parentPk) {
    li.classList.add("just-posted");
    li.setAttribute("tabindex", "-1");
    var inline = form.closest(".inline-reply");
    if (inline) {
      closeInlineReply(inline, false);
    } else { // the form under the article stays, empty, with a new token for the next comment
      form.querySelector("textarea[name=body]").value = "";
      form.querySelector("textarea[name=body]").dispatchEvent(new Event("input"));
      var token = form.querySelector("input[name=token]");
      if (token) token.value = uuid4();
    }
    if (history.replaceState) history.replaceState(null, "", "#" + li.id);
    li.focus();
    li.scrollIntoView({ block: "nearest" });
  }

  function showErrors(form, html) {
    var fresh = parseFragment(html).querySelector("form");
    if (!fresh) return;
    form.replaceWith(fresh);
    enhanceForm(fresh);
    // The error summary first: focused, it is read out and in view (issue 20).
    var invalid = fresh.querySelector(".form-errors") || fresh.querySelector("[aria-invalid=true]") || fresh.querySelector("textarea");
    if (invalid) {
      if (!invalid.matches("input, textarea, select")) invalid.setAttribute("tabindex", "-1");
      invalid.focus();
    }
  }

  function closeInlineReply(container, restoreFocus) {
    var li = container.closest("li.comment");
    container.remove();
    var link = li && li.querySelector(":scope > .comment-actions .reply-link");
    if (link) {
      link.setAttribute("aria-expanded", "false");
      if (restoreFocus) link.focus();
    }
  }

  function openInlineReply(link) {
    var li = link.closest("li.comment");
    var existing = li.querySelector(":scope > .inline-reply");
    if (existing) { existing.querySelector("textarea").focus(); return; }
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { headers: FRAGMENT_HEADERS, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("no form");
      return response.text();
    }).then(function (html) {
      var form = parseFragment(html).querySelector("form");
      if (!form) throw new Error("no form");
      var container = document.createElement("div");
      container.className = "inline-reply";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "secondary";
      cancel.textContent = "Cancel";
      cancel.addEventListener("click", function () { closeInlineReply(container, true); });
      form.querySelector(".form-buttons").appendChild(cancel);
      container.appendChild(form);
      container.addEventListener("keydown", function (event) {
        if (event.key === "Escape") closeInlineReply(container, true);
      });
      li.insertBefore(container, li.querySelector(":scope > .thread-toggle")); // under the comment, above its replies
      link.setAttribute("aria-expanded", "true");
      enhanceForm(form);
      form.querySelector("textarea[name=body]").focus();
    }).catch(function () {
      window.location.href = link.href; // the reply page works without any of this
    }).finally(function () { link.removeAttribute("aria-busy"); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.reply-link");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (!window.fetch || !link.closest("li.comment")) return;
    event.preventDefault();
    openInlineReply(link);
  });

  /* Relative times ("3 minutes ago"). The server writes the absolute date, because the
   * thread HTML is cached and shared; the exact date stays in the title. Runs again every
   * minute, so the text never goes stale while the page is open. */
  function relativeText(then, now) {
    var seconds = Math.round((now - then) / 1000);
    if (seconds < 45) return "just now";
    var units = [["minute", 60, 3600], ["hour", 3600, 86400], ["day", 86400, 30 * 86400]];
    for (var i = 0; i < units.length; i++) {
      if (seconds < units[i][2]) {
        var count = Math.max(1, Math.floor(seconds / units[i][1]));
        return count + " " + units[i][0] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return null; /* older than a month: the absolute date reads better */
  }

  var absoluteText = new WeakMap(); /* not a data- attribute: writing 300 of them costs a phone a restyle */
  function updateTimes(root) {
    var now = Date.now();
    var times = Array.prototype.slice.call((root || document).querySelectorAll(".comment-meta time"));
    // 50 at a time, each batch its own task: a 300-comment page never blocks a phone for long.
    (function batch(start) {
      times.slice(start, start + 50).forEach(function (time) {
        if (!absoluteText.has(time)) {
          absoluteText.set(time, time.textContent);
          if (!time.title) time.title = new Date(Date.parse(time.getAttribute("datetime"))).toLocaleString(); /* in the reader's time zone */
        }
        var text = relativeText(Date.parse(time.getAttribute("datetime")), now) || absoluteText.get(time);
        if (time.textContent !== text) time.textContent = text; /* no change, no mutation: no loop */
      });
      if (start + 50 < times.length) window.setTimeout(batch, 0, start + 50);
    })(0);
  }

  function init() {
    document.querySelectorAll("form.comment-form[data-preview-url]").forEach(enhanceForm);
    // A confirmation placed in the comment the page lands on (#comment-<pk>): the fragment
    // scrolled to it, and a fragment stops the browser's autofocus, so it is focused here to be
    // read out (issue 20).
    // After the load (the fragment's scroll done: an off-screen comment renders only when seen).
    var notice = document.querySelector(".placed-notice[autofocus]");
    var focusNotice = function () {
      if (document.activeElement === document.body) notice.focus({ preventScroll: true });
    };
    if (notice) {
      if (document.readyState === "complete") focusNotice();
      else window.addEventListener("load", function () { window.requestAnimationFrame(focusNotice); });
    }
    updateTimes();
    // Only what was added (an inline reply, a form): our own text changes add text nodes, skipped.
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) { if (node.nodeType === 1) updateTimes(node.parentNode || node); });
      });
    }).observe(document.body, { childList: true, subtree: true });
    window.setInterval(function () { updateTimes(); }, 60000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

/* Old WordPress comment links (issue 18): /old/post/path/#comment-<old id>.
 *
 * The server redirects the old path to the article with ?moved=<article pk> (moving.middleware);
 * the browser keeps the #comment-<old id> fragment but never sends it, and on this site that
 * number may belong to another comment. So, only on a page reached through that redirect, the
 * old id is sent to the server, which answers with the comment's place now (moving.views).
 * Without JavaScript the reader still lands on the article.
 */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var article = params.get("moved");
  if (!article || !/^\d+$/.test(article)) return;
  var old = /^#comment-([A-Za-z0-9:_-]+)$/.exec(window.location.hash);
  if (old) {
    window.location.replace("/moved/" + article + "/comment-" + old[1] + "/");
    return;
  }
  params.delete("moved");
  var query = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
})();

// Issue 22: finding your way in a long discussion. The sort applies on selection, each reply gets
// a "Parent" link and each thread a "Next thread" link, "Collapse all" folds every thread, and
// j / k move to the next / previous comment. Without JavaScript the page works as before (the
// Sort button; the pagination at the top and the bottom).
(function () {
  "use strict";

  function appendAction(li, href, text, label) {
    var actions = li.querySelector(":scope > .comment-actions");
    if (!actions) return;
    var link = document.createElement("a");
    link.href = href;
    link.className = "nav-link";
    link.textContent = text;
    if (label) link.setAttribute("aria-label", label);
    actions.appendChild(document.createTextNode(" · "));
    actions.appendChild(link);
  }

  function addLinks(list) {
    var roots = list.querySelectorAll(":scope > li.comment");
    for (var i = 0; i + 1 < roots.length; i++) appendAction(roots[i], "#" + roots[i + 1].id, "Next thread");
    list.querySelectorAll("li.comment[data-parent]").forEach(function (li) {
      var parent = li.getAttribute("data-parent");
      if (parent && document.getElementById("comment-" + parent)) {
        appendAction(li, "#comment-" + parent, "Parent", "Parent comment");
      }
    });
  }

  function addCollapseAll(head) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary collapse-all";
    button.textContent = "Collapse all";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var collapse = button.getAttribute("aria-pressed") === "false";
      document.querySelectorAll("ol.comments details.thread-toggle").forEach(function (details) {
        details.open = !collapse;
      });
      button.setAttribute("aria-pressed", collapse ? "true" : "false");
      button.textContent = collapse ? "Expand all" : "Collapse all";
    });
    head.appendChild(button);
  }

  function shown(li) {
    return li.getClientRects().length > 0;  // not inside a closed thread
  }

  function current(all) {
    var active = document.activeElement && document.activeElement.closest && document.activeElement.closest("li.comment");
    if (active) return all.indexOf(active);
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && target.matches("li.comment")) return all.indexOf(target);
    return -1;
  }

  function move(step) {
    var all = Array.prototype.slice.call(document.querySelectorAll("ol.comments li.comment")).filter(shown);
    if (!all.length) return;
    var index = current(all);
    var next = all[index === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step))];
    if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "start" });
  }

  function init() {
    var list = document.querySelector("#discussion ol.comments");
    if (!list) return;
    var select = document.getElementById("sort");
    if (select && select.form) select.addEventListener("change", function () { select.form.submit(); });
    addLinks(list);
    var head = document.querySelector("#discussion .discussion-head");
    if (head) addCollapseAll(head);
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
      if (event.key === "j") move(1);
      else if (event.key === "k") move(-1);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
