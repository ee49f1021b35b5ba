/* The kiosk's slip: print it once shown, then go back to the service buttons. */
(function () {
  "use strict";
  var page = document.getElementById("slip-page");
  if (!page) return;
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
  window.setTimeout(function () { try { window.print(); } catch (e) { /* no printer: the slip stays on screen */ } }, 300);
  var seconds = Number(page.dataset.backSeconds) || 12;
  window.setTimeout(function () { window.location.assign(page.dataset.backUrl); }, seconds * 1000);
})();
