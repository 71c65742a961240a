/* The issue screens' small enhancements. Every page works without them: the server checks
   everything again. Loaded with "defer" from the issue templates (no inline script: CSP). */
(function () {
  "use strict";

  // The rating: the reason is asked for only when "dissatisfied" is chosen.
  document.querySelectorAll("[data-rating-form]").forEach(function (form) {
    var reason = form.querySelector("[data-rating-reason]");
    if (!reason) {
      return;
    }
    var dissatisfied = form.getAttribute("data-dissatisfied");
    function update() {
      var chosen = form.querySelector('input[name="value"]:checked');
      var show = chosen !== null && chosen.value === dissatisfied;
      reason.classList.toggle("d-none", !show);
      reason.querySelectorAll("input").forEach(function (input) {
        input.required = show;
      });
    }
    form.querySelectorAll('input[name="value"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  });

  // Actions that cannot be undone ask once more.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // More than five attachments are refused by the server; say so before the upload.
  document.querySelectorAll("input[type=file][data-max-files]").forEach(function (input) {
    var most = parseInt(input.getAttribute("data-max-files"), 10);
    input.addEventListener("change", function () {
      var message = input.files && input.files.length > most
        ? input.getAttribute("data-max-files-message") : "";
      input.setCustomValidity(message);
      if (message) {
        input.reportValidity();
      }
    });
  });
  // The supervision page's print button (hidden until this script can make it work).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
