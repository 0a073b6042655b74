// A text field with a limit (data-maxlength, which the widget template writes instead of
// maxlength, so nothing typed or pasted is ever cut) shows "120 / 100文字" under it, red
// and saying how many too many past the limit. A text area shows it always; a one-line
// field (a name, an email address) once its text reaches 80% of the limit. The server
// still refuses text past the limit, with the same count, and shows it again as typed.
(function () {
  "use strict";

  var counters = new WeakMap();
  var announceTimers = new WeakMap();

  // Counted as the server counts: a line break arrives as CR LF, spaces around the text
  // are dropped, and a character outside the BMP (an emoji, a rare kanji) counts once.
  function length(value) {
    return Array.from(value.replace(/\r?\n/g, "\r\n").trim()).length;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function update(field, announce) {
    var parts = counters.get(field);
    if (!parts) return;
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var count = length(field.value);
    var over = count - limit;
    var text = over > 0
      ? fill(field.getAttribute("data-count-over") || "{count} / {limit}", { count: count, limit: limit, over: over })
      : fill(field.getAttribute("data-count-text") || "{count} / {limit}", { count: count, limit: limit });
    parts.shown.textContent = text;
    parts.shown.classList.toggle("is-over", over > 0);
    parts.shown.hidden = field.tagName !== "TEXTAREA" && count < limit * 0.8;
    if (!announce || parts.shown.hidden) return;
    // Screen readers hear the count once typing pauses, not at every key.
    clearTimeout(announceTimers.get(field));
    announceTimers.set(field, setTimeout(function () { parts.spoken.textContent = text; }, 1000));
  }

  function attach(field) {
    if (counters.has(field) || !field.hasAttribute("data-maxlength")) return;
    var shown = document.createElement("small");
    shown.className = "char-count";
    shown.id = (field.id || field.name) + "-count";
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);
    var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (described.indexOf(shown.id) === -1) described.push(shown.id);
    field.setAttribute("aria-describedby", described.join(" "));
    counters.set(field, { shown: shown, spoken: spoken });
    update(field, false);
  }

  function attachWithin(root) {
    if (root.matches && root.matches("[data-maxlength]")) attach(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-maxlength]").forEach(attach);
  }

  document.addEventListener("input", function (event) {
    if (counters.has(event.target)) update(event.target, true);
  });
  // Content that htmx brings in gets its counters too.
  document.addEventListener("htmx:load", function (event) { attachWithin(event.target); });
  attachWithin(document);
})();
