/* 美丽沙州 — keeps the organiser's attendance list live: every 20 seconds the page is
 * fetched again and its live parts swapped in, unless the organiser is typing or has a
 * removal form open. */
(function () {
  "use strict";
  var root = document.querySelector("[data-attendance]");
  if (!root || !window.fetch || !window.DOMParser) {
    return;
  }

  function busy() {
    var active = document.activeElement;
    if (active && active.closest && active.closest("form")) {
      return true;
    }
    if (root.querySelector(".attendee__remove[open]")) {
      return true;
    }
    var inputs = root.querySelectorAll("input[type=text], input[type=datetime-local]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].value) {
        return true;
      }
    }
    return false;
  }

  function refresh() {
    if (document.hidden || busy()) {
      return;
    }
    // The same page of the list, with the same search, as the one on screen.
    fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html || busy()) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var incoming = fresh.querySelectorAll("[data-live-region]");
        var current = root.querySelectorAll("[data-live-region]");
        if (incoming.length !== current.length) {
          return;
        }
        for (var i = 0; i < current.length; i += 1) {
          current[i].parentNode.replaceChild(document.importNode(incoming[i], true), current[i]);
        }
      })
      .catch(function () {});
  }

  setInterval(refresh, 20000);
})();
