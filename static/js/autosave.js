// Keeps a half-written entry as a draft on the server (never in the browser's storage),
// so closing the tab or losing the connection loses nothing.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("draft-status");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  var dirty = false;

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (!dirty) { return; }
    dirty = false;
    var body = new FormData(form);
    fetch(form.getAttribute("data-draft-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      if (response.ok) {
        if (dirty) { return; }  // typed again meanwhile: the next save will report
        var now = new Date();
        say("Draft saved at " + now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".");
      } else {
        dirty = true;
        say("Not saved as a draft yet; your text is still here.");
      }
    }).catch(function () {
      dirty = true;
      say("Offline: your text is still here and will be saved when you are back.");
    });
  }

  form.addEventListener("input", function () {
    dirty = true;
    say("Saving a draft…");
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1500);
  });
  form.addEventListener("change", function () { dirty = true; save(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(); }
  });
  window.setInterval(save, 10000);
})();
