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
})();
