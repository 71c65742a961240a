// The error summary above a form (templates/_form_errors.html): focused when the page
// opens, so that it is what a screen reader reads first and the keyboard starts from; each
// of its links moves the focus to the field it names and shows that field's label.
(function () {
  if (window.huzhouErrorSummary) {
    return;
  }
  window.huzhouErrorSummary = true;
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  });
})();
