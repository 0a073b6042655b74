// The salon screen's taps survive a lost connection. A tap form is sent in the background;
// when the network fails, the tap (with its key) waits in this phone's storage and is sent
// again until the server answers, so nothing is lost and a repeat records nothing twice.
(function () {
  var STORE = "bansou-salon-taps";
  var sending = false;

  function queue() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(STORE, JSON.stringify(items)); }
  function showPending() {
    var box = document.querySelector("[data-pending]");
    if (!box) return;
    var n = queue().length;
    box.hidden = n === 0;
    box.textContent = n ? box.getAttribute("data-text").replace("%(n)s", n) : "";
  }
  function send(item) {
    return fetch(item.url, {
      method: "POST",
      body: new URLSearchParams(item.body),
      headers: { "Accept": "application/json", "X-CSRFToken": item.csrf },
      credentials: "same-origin"
    });
  }
  function flush(reload) {
    if (sending) return;
    var items = queue();
    if (!items.length) { showPending(); return; }
    sending = true;
    send(items[0]).then(function (response) {
      return response.json().catch(function () { return { ok: false, error: "" }; }).then(function (data) {
        // Answered (recorded, already recorded, or refused with a reason): it leaves the queue.
        save(queue().slice(1));
        if (!data.ok && data.error) { window.alert(data.error); }
        sending = false;
        if (queue().length) { flush(reload); } else if (reload) { window.location.reload(); }
      });
    }, function () {
      sending = false;
      showPending();
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-tap]");
    if (!form || !window.fetch || !window.localStorage) return;
    event.preventDefault();
    if (form.dataset.sent) return;  // the same key is on its way already
    var data = new FormData(form);
    var body = [];
    data.forEach(function (value, name) { body.push([name, value]); });
    form.dataset.sent = "1";
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var items = queue();
    items.push({ url: form.action, body: body, csrf: data.get("csrfmiddlewaretoken") });
    save(items);
    showPending();
    flush(true);
  });
  window.addEventListener("online", function () { flush(true); });
  document.addEventListener("DOMContentLoaded", function () {
    showPending();
    flush(queue().length > 0);
    window.setInterval(function () { if (queue().length) flush(true); }, 5000);
  });
})();
