// Choosing several people by typing (people.widgets.PersonSearchInput, multiple): a ticked
// search result moves up into the chosen list, so that the next search (which replaces the
// results) keeps it; a result already chosen is not offered twice.
(function () {
  if (window.bansouPersonSearch) return;
  window.bansouPersonSearch = true;

  function chosenList(node) {
    var box = node.closest(".person-search[data-multiple]");
    return box ? box.querySelector(".person-search-chosen") : null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches(".person-search-results input[type=checkbox]") || !input.checked) return;
    var chosen = chosenList(input);
    if (chosen) chosen.appendChild(input.closest("label"));
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var chosen = chosenList(event.target);
    if (!chosen) return;
    event.target.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      if (chosen.querySelector('input[value="' + input.value + '"]')) {
        input.closest("label").remove();
      }
    });
  });
})();
