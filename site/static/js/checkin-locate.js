/* 美丽沙州 — check-in at an activity with a geofence: ask the phone where it is, then post
 * the position (with the CSRF token) to the same /c/<token> address. */
(function () {
  "use strict";
  var root = document.querySelector("[data-locate]");
  if (!root) {
    return;
  }
  var form = root.querySelector("[data-locate-form]");
  var status = root.querySelector("[data-locate-status]");
  var retry = root.querySelector("[data-locate-retry]");
  var sent = false;

  function message(name) {
    return root.getAttribute("data-msg-" + name) || "";
  }

  function fail(text) {
    status.textContent = text;
    retry.hidden = false;
    retry.focus();
  }

  function locate() {
    retry.hidden = true;
    status.textContent = message("locating");
    if (!navigator.geolocation) {
      fail(message("unsupported"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (position) {
        if (sent) {
          return;
        }
        sent = true;
        form.querySelector("[data-latitude]").value = position.coords.latitude;
        form.querySelector("[data-longitude]").value = position.coords.longitude;
        status.textContent = message("sending");
        form.submit();
      },
      function (error) {
        // 1: refused (or not HTTPS), 2: no fix, 3: too slow.
        fail(message(error.code === 1 ? "denied" : error.code === 3 ? "timeout" : "unavailable"));
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  }

  retry.addEventListener("click", locate);
  locate();
})();
