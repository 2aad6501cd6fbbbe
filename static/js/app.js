// Imago Dialogue: the little the pages need beyond htmx. No inline scripts (CSP).
(function () {
  "use strict";

  // Come back promptly after an outage: while the page is in view, try again every half second
  // or so (with jitter, so many phones do not knock at once); only a hidden page backs off.
  // Our own 4xxx codes mean "do not come back".
  var HIDDEN_MAX_DELAY_MS = 5000;
  var BACK_NOTE_MS = 4000;

  function reconnectDelay(retryCount) {
    if (document.visibilityState !== "hidden") {
      return 250 + Math.random() * 500;
    }
    var exp = Math.min(HIDDEN_MAX_DELAY_MS, 500 * Math.pow(2, retryCount));
    return exp / 2 + Math.random() * exp / 2;
  }

  function statusFor(elt) {
    var status = elt.querySelector(".connection");
    if (!status) {
      status = document.createElement("p");
      status.className = "connection";
      status.setAttribute("role", "status");
      elt.prepend(status);
    }
    return status;
  }

  // Deferred scripts run in order, so htmx is here; the extension keeps a delay already set.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = reconnectDelay;
  }

  // While the socket is down the page says so: who is here is not known, and buttons that would
  // send wait (Pause and "I need to stop" are queued and go the moment the connection is back).
  function setOffline(elt, offline) {
    if (offline) {
      elt.setAttribute("data-offline", "");
    } else {
      elt.removeAttribute("data-offline");
    }
    elt.querySelectorAll("form[ws-send]").forEach(function (form) {
      if (form.hasAttribute("data-queue-ok")) { return; }
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = offline;
      });
    });
    var presence = elt.querySelector("#dialogue-presence");
    if (offline && presence) {
      var dot = document.createElement("span");
      dot.className = "dot unknown";
      dot.setAttribute("aria-hidden", "true");
      presence.replaceChildren(dot, document.createTextNode(
        " Connection lost: we can't tell whether " + presence.getAttribute("data-name") + " is here."));
    }
  }

  document.addEventListener("htmx:wsOpen", function (evt) {
    var elt = evt.target;
    var status = statusFor(elt);
    var wasOffline = elt.hasAttribute("data-offline");
    setOffline(elt, false);
    status.classList.toggle("back", wasOffline);
    status.textContent = wasOffline ? "Connected again." : "";
    if (wasOffline) {
      setTimeout(function () {
        if (status.textContent === "Connected again.") { status.textContent = ""; }
      }, BACK_NOTE_MS);
    }
  });

  document.addEventListener("htmx:wsClose", function (evt) {
    var elt = evt.target;
    if (!document.body.contains(elt)) { return; }  // the page moved on: nothing to come back to
    var code = evt.detail.event.code;
    var status = statusFor(elt);
    status.classList.remove("back");
    if (code === 4401) {  // the sign-in ended: nothing of it may stay on screen
      window.imagoSignedOut();
      return;
    }
    if (code >= 4000) {
      // daphne drops a close frame's reason; the socket's last frame carried it instead
      // (#connection-closed, appended to the body). Either way the page does not come back.
      var note = document.getElementById("connection-closed");
      var reason = evt.detail.event.reason || (note && note.textContent) || "";
      setOffline(elt, true);
      status.textContent = reason
        ? reason + " Reload the page to continue."
        : "This page is no longer live. Reload it to continue.";
      return;
    }

    setOffline(elt, true);
    status.textContent = elt.querySelector("#dialogue-stage")
      ? "Connection lost. Trying again… What you've written stays here, and you can send it once we're back."
      : "Connection lost. Trying again…";
    // The extension already retries after 1006, 1011, 1012 and 1013; do the same for the rest.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && evt.detail.socketWrapper) {
      var wrapper = evt.detail.socketWrapper;
      setTimeout(function () { wrapper.reconnect(); }, reconnectDelay(0));
    }
  });

  // A flood is told in a last frame (4429) whose close frame can be lost in the drop that
  // follows it, which would look like an outage: the page stops being live there and then, so
  // it does not reconnect into the same flood (a socket whose element has left the page is not
  // retried).
  document.addEventListener("htmx:wsAfterMessage", function (evt) {
    var note = document.getElementById("connection-closed");
    var elt = evt.target;
    if (!note || note.getAttribute("data-close-code") !== "4429" || !elt.hasAttribute("ws-connect")) {
      return;
    }
    var dead = elt.cloneNode(true);
    dead.removeAttribute("ws-connect");
    dead.removeAttribute("hx-ext");
    dead.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    statusFor(dead).textContent = note.textContent + " Reload the page to continue.";
    elt.replaceWith(dead);
  });

  // A form that came back with problems: its summary takes focus, so the first thing read and
  // seen is what needs another look, with a link to each field. Following a link moves focus
  // to the field itself (not just the scroll position).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      evt.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  // Select the whole join link on focus, so it is one tap to copy.
  document.addEventListener("focusin", function (evt) {
    if (evt.target.matches && evt.target.matches("input.copy")) {
      evt.target.select();
    }
  });
})();

// Disclosures and dialogs. A button with data-toggles shows or hides the panel it controls
// (aria-expanded says which); with data-menu it also closes on Escape or a tap elsewhere. A
// button with data-opens="ID" opens that <dialog>.
(function () {
  "use strict";

  function setOpen(toggle, open) {
    toggle.setAttribute("aria-expanded", String(open));
    var panel = document.getElementById(toggle.getAttribute("aria-controls"));
    if (panel) { panel.hidden = !open; }
  }

  function openMenus() {
    return document.querySelectorAll("[data-menu][aria-expanded=true]");
  }

  document.addEventListener("click", function (evt) {
    var toggle = evt.target.closest && evt.target.closest("[data-toggles]");
    openMenus().forEach(function (menu) {
      var panel = document.getElementById(menu.getAttribute("aria-controls"));
      if (menu !== toggle && !(panel && panel.contains(evt.target))) { setOpen(menu, false); }
    });
    if (toggle) {
      setOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var opener = evt.target.closest && evt.target.closest("[data-opens]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-opens"));
      if (dialog && !dialog.open && dialog.showModal) { dialog.showModal(); }
    }
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") { return; }
    openMenus().forEach(function (menu) { setOpen(menu, false); menu.focus(); });
  });

  // A form that sends from inside a dialog closes it once sent (or queued).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form.hasAttribute && form.hasAttribute("data-closes-dialog")) {
      var dialog = form.closest("dialog");
      setTimeout(function () { if (dialog && dialog.open) { dialog.close(); } }, 0);
    }
  }, true);

  // Once the dialogue has ended, there is nothing left to stop.
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (document.querySelector("#dialogue-stage[data-step=ended]")) {
      var dialog = document.getElementById("stop-dialog");
      if (dialog && dialog.open) { dialog.close(); }
    }
  });
})();

// Text boxes with a limit (data-max) count what is written near the limit and say when it is
// over, instead of cutting a paste silently; a form is not sent while a box is over.
(function () {
  "use strict";

  function length(text) { return Array.from(text).length; }  // characters, as the server counts

  function update(area) {
    var max = Number(area.getAttribute("data-max"));
    var out = document.getElementById(area.id + "-count");
    if (!out || !max) { return 0; }
    var n = length(area.value);
    out.classList.toggle("near", n >= max * 0.8 && n <= max);
    out.classList.toggle("over", n > max);
    if (n > max) {
      out.textContent = n + " characters: " + (n - max) + " more than the " + max +
        " that fit. Shorten it, or send part now and the rest when you're asked if there's more.";
    } else if (n >= max * 0.8) {
      out.textContent = n + " of " + max + " characters.";
    } else {
      out.textContent = "";
    }
    return n - max;
  }

  document.addEventListener("input", function (evt) {
    if (evt.target.matches && evt.target.matches("textarea[data-max]")) { update(evt.target); }
  });

  document.addEventListener("submit", function (evt) {
    var over = Array.prototype.filter.call(
      evt.target.querySelectorAll ? evt.target.querySelectorAll("textarea[data-max]") : [],
      function (area) { return update(area) > 0; });
    if (over.length) {
      evt.preventDefault();
      evt.stopPropagation();
      over[0].focus();
    }
  }, true);

  // The feelings step: which words are ticked, said in one line and counted on each group.
  document.addEventListener("change", function (evt) {
    if (!(evt.target.matches && evt.target.matches("input[name=feelings]"))) { return; }
    var fieldset = evt.target.closest("fieldset");
    var chosen = Array.prototype.map.call(
      fieldset.querySelectorAll("input[name=feelings]:checked"), function (box) { return box.value; });
    var line = fieldset.querySelector(".chosen");  // one per half on a shared screen
    if (line) { line.textContent = chosen.length ? "You chose: " + chosen.join(", ") + "." : ""; }
    fieldset.querySelectorAll(".feeling-group").forEach(function (group) {
      var n = group.querySelectorAll("input:checked").length;
      var mark = group.querySelector(".picked");
      if (mark) { mark.textContent = n ? String(n) : ""; }
    });
  });
})();

// Calm countdowns and local clock times on the dialogue page.
(function () {
  "use strict";

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-ends-at")) - now) / 60000);
      el.textContent = left > 0
        ? "About " + left + " minute" + (left === 1 ? "" : "s") + " left."
        : "Time's up. Finish the step you're on, then close when you're ready.";
    });
  }

  function localTimes(root) {
    root.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tick();
    setInterval(tick, 20000);
  });
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    localTimes(evt.detail.target || document);
    tick();
  });
})();

// "Print or save as PDF" buttons; the print stylesheet makes the page a clean summary.
document.addEventListener("click", function (evt) {
  "use strict";
  if (evt.target.closest && evt.target.closest("[data-print]")) {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    window.print();
  }
});

// Sign-up and sign-in send the browser's time zone, so times show in it and days count in it.
(function () {
  "use strict";
  function fill() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return;  // an old browser: the server keeps the zone it has
    }
    document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      input.value = zone;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
// A printout says when it was printed: the moment of printing, not of loading the page.
window.addEventListener("beforeprint", function () {
  "use strict";
  var now = new Date();
  document.querySelectorAll("time[data-printed-at]").forEach(function (el) {
    el.setAttribute("datetime", now.toISOString());
    el.textContent = now.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" }) +
      ", " + now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  });
});

// When the sign-in ends (too long without activity, or signed out elsewhere), clear the page so
// a phone left on a table shows nothing private. Typing or tapping counts as activity: it is
// reported at most every few minutes on pages that send nothing else.
(function () {
  "use strict";
  var body = document.body;
  var statusUrl = body.getAttribute("data-session-url");
  if (!statusUrl) {
    window.imagoSignedOut = function () {};
    return;
  }
  var REPORT_EVERY_MS = 4 * 60 * 1000;
  var timer = null;
  var lastReport = Date.now();

  window.imagoSignedOut = function () {
    clearTimeout(timer);
    var notice = document.getElementById("signed-out");
    var main = document.getElementById("main");
    if (main && notice) {
      main.replaceChildren(notice.content.cloneNode(true));  // also ends the live sockets
      main.focus && main.focus();
    }
    var menu = document.querySelector(".top nav");
    if (menu) { menu.remove(); }
    body.removeAttribute("data-session-url");
  };

  function schedule(seconds) {
    clearTimeout(timer);
    if (seconds <= 0) { window.imagoSignedOut(); return; }
    timer = setTimeout(check, seconds * 1000 + 1000);
  }

  function ask(method) {
    var token = (body.getAttribute("hx-headers") || "").match(/"X-CSRFToken": "([^"]+)"/);
    return fetch(statusUrl, {
      method: method,
      credentials: "same-origin",
      headers: method === "POST" && token ? { "X-CSRFToken": token[1] } : {},
    }).then(function (r) { return r.json(); }).then(function (data) {
      schedule(data.seconds_left);
    }).catch(function () { /* offline: ask again at the next activity or deadline */ });
  }

  function check() { ask("GET"); }

  function activity() {
    if (Date.now() - lastReport > REPORT_EVERY_MS) {
      lastReport = Date.now();
      ask("POST");
    }
  }

  ["keydown", "pointerdown", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  // Any request htmx makes is activity the server has already seen.
  document.addEventListener("htmx:afterRequest", function () { lastReport = Date.now(); });
  schedule(Number(body.getAttribute("data-session-left")) || 0);
})();

// --- One shared screen (the face-to-face layout) ---------------------------------------------
// While a couple hold a dialogue at one screen, keep it awake where the browser can (Screen
// Wake Lock; nothing happens where it can't), and offer full screen. The stop dialog opened
// from the far half turns to face the partner who opened it.
(function () {
  "use strict";
  var shared = document.querySelector(".dialogue.shared");
  if (!shared) { return; }
  var lock = null;

  function say(state) { shared.setAttribute("data-wake-lock", state); }

  function keepAwake() {
    if (!("wakeLock" in navigator) || !navigator.wakeLock.request) { say("unavailable"); return; }
    if (document.visibilityState !== "visible" || lock) { return; }
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
      say("on");
      sentinel.addEventListener("release", function () { lock = null; say("released"); });
    }).catch(function () { say("refused"); });  // e.g. low battery: the screen may dim
  }

  keepAwake();
  // A lock ends when the page is hidden; take it again on coming back.
  document.addEventListener("visibilitychange", keepAwake);

  function fullscreenButtons(root) {
    if (!document.fullscreenEnabled) { return; }
    root.querySelectorAll("[data-fullscreen]").forEach(function (button) {
      button.hidden = false;
      button.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
    });
  }
  fullscreenButtons(document);
  document.addEventListener("htmx:oobAfterSwap", function () { fullscreenButtons(document); });
  document.addEventListener("fullscreenchange", function () { fullscreenButtons(document); });

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-fullscreen]");
    if (button) {
      var done = document.fullscreenElement
        ? document.exitFullscreen()
        : document.documentElement.requestFullscreen();
      if (done && done.catch) { done.catch(function () {}); }
      return;
    }
    var opener = evt.target.closest && evt.target.closest("[data-opens=stop-dialog]");
    var dialog = document.getElementById("stop-dialog");
    if (opener && dialog) {
      dialog.classList.toggle("for-far", !!opener.closest(".half.far, .pause-half.far"));
    }
  });
})();
