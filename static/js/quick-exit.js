// The quick exit: the Quick exit button, or Escape pressed three times within two seconds,
// hides the page at once, keeps a half-written entry as a server draft (without waiting
// long), ends the sign-in on the server, and replaces this page with the practice's neutral
// site, so Back does not lead to it; every other portal tab of the browser does the same.
// Installed as an app, it opens a neutral page of ours.
// Without JavaScript the button is a plain form that signs out and moves on.
(function () {
  "use strict";
  var form = document.getElementById("quick-exit");
  if (!form || !window.fetch || !window.FormData || !window.Promise) { return; }
  var draft = document.querySelector("form[data-draft-url]");
  var leaving = false;
  var presses = [];
  var PRESSES = 3;
  var WITHIN_MS = 2000;

  function hide() {
    document.documentElement.classList.add("leaving");
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function send(url, body, token) {
    var options = {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      keepalive: true,  // outlives the page, should the time allowed below run out
      headers: { "X-CSRFToken": token || "" }
    };
    return fetch(url, options).catch(function () {
      // keepalive refuses a body over 64 kB: send it as a plain request instead.
      options.keepalive = false;
      return fetch(url, options);
    }).catch(function () {});
  }

  function tokenOf(someForm) {
    var input = someForm.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // Whether the entry on this page was changed since it was drawn (read from the fields
  // themselves, so typing before this script ran counts too).
  function changed() {
    var fields = draft.elements;
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (field.type === "hidden") { continue; }
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked !== field.defaultChecked) { return true; }
      } else if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j += 1) {
          if (field.options[j].selected !== field.options[j].defaultSelected) { return true; }
        }
      } else if ("defaultValue" in field && field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function keepDraft() {
    if (!draft || !changed()) { return Promise.resolve(); }
    var body = new FormData(draft);
    body.delete("once");
    return Promise.race([send(draft.getAttribute("data-draft-url"), body, tokenOf(draft)),
                         wait(700)]);
  }

  function destination() {
    var installed = window.matchMedia &&
      window.matchMedia("(display-mode: standalone)").matches;
    return form.getAttribute(installed ? "data-app-url" : "data-exit-url");
  }

  // Other portal tabs of this browser leave too (a message, not storage: no trace kept).
  var channel = window.BroadcastChannel ? new BroadcastChannel("quick-exit") : null;

  function leave() {
    if (leaving) { return; }
    leaving = true;
    hide();
    if (channel) { channel.postMessage("leave"); }
    var to = destination();
    var body = new FormData(form);
    body.delete("once");
    function go() { window.location.replace(to); }
    // The draft first (it needs the sign-in), then the sign-out; never more than ~2 s.
    keepDraft().then(function () {
      return Promise.race([send(form.action, body, tokenOf(form)), wait(1500)]);
    }).then(go, go);
  }

  if (channel) { channel.onmessage = leave; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    leave();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var now = Date.now();
    presses = presses.filter(function (at) { return now - at < WITHIN_MS; });
    presses.push(now);
    if (presses.length >= PRESSES) {
      event.preventDefault();
      leave();
    }
  }, true);
  // A portal page brought back from the back-forward cache is asked for again, so that
  // after an exit the server answers (with the sign-in page) instead of the old copy.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      hide();
      window.location.reload();
    }
  });
})();
