/* 美丽沙州 — a page's "print" button ([data-print]): shown only where the browser can print. */
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (button && window.print) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  }
})();
