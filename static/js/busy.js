// A form marked data-busy-label says it is working once sent, and its button cannot be
// pressed again meanwhile (the server also makes a form sent twice one change).
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy-label]").forEach(function (form) {
    var button = form.querySelector("button[type=submit]");
    if (!button) { return; }
    var idle = button.textContent;
    form.addEventListener("submit", function () {
      // After this event: a button disabled now would not be part of the submission.
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = form.getAttribute("data-busy-label");
        form.setAttribute("aria-busy", "true");
      }, 0);
    });
    // Back to the page from the browser's history: ready to send again.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = idle;
      form.removeAttribute("aria-busy");
    });
  });
})();
