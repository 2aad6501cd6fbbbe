// Imago Dialogue: the little the pages need beyond htmx. No inline scripts (CSP).
(function () {
  "use strict";

  // Reconnect live pages promptly: the WebSocket extension retries only after a few close codes,
  // with a delay that can grow to a minute. Our own 4xxx codes mean "do not come back".
  var MAX_DELAY_MS = 10000;

  function reconnectDelay(retryCount) {
    var exp = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, retryCount));
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

  document.addEventListener("htmx:wsOpen", function (evt) {
    statusFor(evt.target).textContent = "";
  });

  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event.code;
    var status = statusFor(evt.target);
    if (code === 4401) {  // the sign-in ended: nothing of it may stay on screen
      window.imagoSignedOut();
      return;
    }
    if (code >= 4000) {
      status.textContent = evt.detail.event.reason
        ? evt.detail.event.reason + " Reload the page to continue."
        : "This page is no longer live. Reload it to continue.";
      return;
    }
    status.textContent = "Reconnecting…";
    // The extension already retries after 1006, 1011, 1012 and 1013; do the same for the rest.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && evt.detail.socketWrapper) {
      var wrapper = evt.detail.socketWrapper;
      setTimeout(function () { wrapper.reconnect(); }, reconnectDelay(0));
    }
  });

  // Select the whole join link on focus, so it is one tap to copy.
  document.addEventListener("focusin", function (evt) {
    if (evt.target.matches && evt.target.matches("input.copy")) {
      evt.target.select();
    }
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
