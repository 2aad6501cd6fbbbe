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
    if (code >= 4000) {
      status.textContent = "This page is no longer live. Reload it to continue.";
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
