// The scanning form: a barcode reader types each serial followed by Enter into one field; the
// running count of scanned serials is shown next to it. (Plain script: the pages' CSP allows no
// eval, which Alpine's standard build needs.)
(function () {
  "use strict";
  function count(field) {
    return field.value.split(/\r?\n/).filter(function (line) { return line.trim() !== ""; }).length;
  }
  function setup(form) {
    var field = form.querySelector("[data-scan-field]");
    var out = form.querySelector("[data-scan-count]");
    if (!field || !out) return;
    var show = function () { out.textContent = String(count(field)); };
    field.addEventListener("input", show);
    show();
  }
  document.querySelectorAll("form[data-scan]").forEach(setup);
})();
