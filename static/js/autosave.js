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
  var sending = false;  // the form itself is being sent: no draft may race it

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (!dirty || sending) { return; }
    dirty = false;
    var body = new FormData(form);
    body.delete("once");  // a draft is not the form being sent: its token stays for Save
    fetch(form.getAttribute("data-draft-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      // An ended sign-in answers with a redirect to the sign-in page: the server kept this
      // draft for the partner, but nothing further can be saved from this page.
      if (response.type === "opaqueredirect") {
        sending = true;
        say("You were signed out. Your draft is kept: press Save to sign in again and finish it.");
      } else if (response.ok) {
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
  // Choices are saved at once; text by the pause above (saving a textarea as it loses focus
  // would race the Save button the person is pressing).
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "TEXTAREA") { return; }
    dirty = true;
    save();
  });
  form.addEventListener("submit", function () {
    sending = true;
    window.clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(); }
  });
  window.setInterval(save, 10000);
})();
