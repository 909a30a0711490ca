// Transcript deep links: "#t=SECONDS" scrolls to and highlights the turn covering that second
// (the last turn starting at or before it). A file of ours: the CSP allows no inline script.
(function () {
  "use strict";
  function show() {
    var match = /^#t=(\d+)$/.exec(window.location.hash);
    if (!match) return;
    var second = parseInt(match[1], 10);
    var turns = document.querySelectorAll("ol.turns > li[data-start]");
    var covering = null;
    turns.forEach(function (turn) {
      turn.classList.remove("current");
      if (parseInt(turn.getAttribute("data-start"), 10) <= second) covering = turn;
    });
    if (!covering && turns.length) covering = turns[0];
    if (!covering) return;
    covering.classList.add("current");
    covering.setAttribute("tabindex", "-1");
    covering.scrollIntoView({ block: "center" });
    covering.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", show);
  show();
})();
