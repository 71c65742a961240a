/* The session pages' small enhancements; every page works without them. Loaded with
   "defer" (no inline script: CSP). */
(function () {
  "use strict";

  // The sign-in sheet's Print button (without script, the browser's own Print works).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // The venue's screen: the check-in code and the count are renewed in place every minute,
  // from the same page fetched again (no timed reload of the whole page: WCAG 2.2.1).
  var code = document.querySelector("[data-renew-seconds]");
  if (code && window.fetch && window.DOMParser) {
    window.setInterval(function () {
      window.fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html");
          ["check-in-code", "checked-in"].forEach(function (id) {
            var from = fresh.querySelector('[data-testid="' + id + '"]');
            var to = document.querySelector('[data-testid="' + id + '"]');
            if (from && to) { to.replaceWith(document.importNode(from, true)); }
          });
        })
        .catch(function () { /* the next minute tries again */ });
    }, Number(code.getAttribute("data-renew-seconds")) * 1000);
  }
})();
