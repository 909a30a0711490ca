// Copy buttons: <button data-copy="ELEMENT_ID"> copies that element's text to the clipboard.
// Loaded as a file (our CSP allows no inline script); without JavaScript the text stays
// selectable and the button stays hidden.
(function () {
  "use strict";
  function wire(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      var done = function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
        done();
      }
    });
  }
  document.querySelectorAll("button[data-copy]").forEach(wire);
})();
