/* 美丽沙州 — rotating QR codes without reloading: the organiser's screen and 我的签到码.
 *
 * The server says how many seconds the current code has left (expires_in); the page asks
 * for the next one just after that, and every data-poll seconds for the live counts. It
 * keeps the screen awake where the browser allows, catches up at once when a sleeping
 * phone wakes, and dims a code that has gone stale while the network was down, so no
 * one scans a dead code. Plain ES5: old WeChat browsers run it too.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-rotate]");
  if (!root || !window.fetch) {
    return;
  }
  var ROTATE_SECONDS = 30;
  var TOKEN_LIFE_SECONDS = 90;
  var url = root.getAttribute("data-rotate-url");
  var poll = parseInt(root.getAttribute("data-poll") || "0", 10);
  var qr = root.querySelector("[data-qr]");
  var code = root.querySelector("[data-code]");
  var countdown = root.querySelector("[data-countdown]");
  var bar = root.querySelector("[data-countdown-bar]");
  var countIn = root.querySelector("[data-count-in]");
  var countOut = root.querySelector("[data-count-out]");
  var status = root.querySelector("[data-rotate-status]");
  var msgOffline = root.getAttribute("data-msg-offline") || "";
  var msgStale = root.getAttribute("data-msg-stale") || "";
  var expiresIn = parseInt(root.getAttribute("data-expires-in") || "30", 10);
  var deadline = Date.now() + expiresIn * 1000;
  // The code on screen stays good for its whole life, not only its 30 seconds on show.
  var goodUntil = deadline + (TOKEN_LIFE_SECONDS - ROTATE_SECONDS) * 1000;
  var lastSvg = qr ? qr.innerHTML : "";
  var timer = null;
  var failures = 0;
  var stopped = false;

  function setText(element, text) {
    if (element && element.textContent !== String(text)) {
      element.textContent = text;
    }
  }

  function showStatus(text) {
    if (status) {
      status.textContent = text || "";
      status.hidden = !text;
    }
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    setText(countdown, left);
    if (bar) {
      bar.style.transform = "scaleX(" + Math.min(1, left / ROTATE_SECONDS) + ")";
    }
    var stale = Date.now() > goodUntil;
    root.classList.toggle("is-stale", stale);
    if (stale) {
      showStatus(msgStale);
    }
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(refresh, Math.max(0.5, seconds) * 1000);
  }

  function apply(data) {
    if (qr && data.svg && data.svg !== lastSvg) {
      qr.innerHTML = data.svg;
      lastSvg = data.svg;
    }
    if (data.code) {
      setText(code, data.code);
    }
    if (typeof data.count_in === "number") {
      setText(countIn, data.count_in);
    }
    if (typeof data.count_out === "number") {
      setText(countOut, data.count_out);
    }
    deadline = Date.now() + data.expires_in * 1000;
    goodUntil = deadline + (TOKEN_LIFE_SECONDS - ROTATE_SECONDS) * 1000;
    tick();
  }

  function refresh() {
    if (stopped || document.hidden) {
      return; // picked up again on visibilitychange
    }
    fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        var data = result.data || {};
        if (result.status >= 400) {
          // Logged out, no longer an organiser, activity gone: say so and stop asking.
          stopped = result.status === 403 || result.status === 404;
          showStatus(data.message || msgOffline);
          if (!stopped) {
            schedule(5);
          }
          return;
        }
        failures = 0;
        showStatus("");
        apply(data);
        // Just after the next rotation; sooner when the counts are live.
        var next = data.expires_in + 0.3;
        schedule(poll ? Math.min(next, poll) : next);
      })
      .catch(function () {
        failures += 1;
        showStatus(msgOffline);
        tick();
        schedule(Math.min(15, 2 + failures * 2));
      });
  }

  function keepAwake() {
    if (navigator.wakeLock && !document.hidden) {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      keepAwake();
      refresh();
    }
  });

  var fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen) {
    var labelOn = fullscreen.getAttribute("data-label-on");
    var labelOff = fullscreen.getAttribute("data-label-off");
    var setPresenting = function (on) {
      document.body.classList.toggle("is-presenting", on);
      fullscreen.textContent = on ? labelOff : labelOn;
      fullscreen.setAttribute("aria-pressed", on ? "true" : "false");
    };
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      var on = !document.body.classList.contains("is-presenting");
      setPresenting(on);
      var element = document.documentElement;
      if (on && element.requestFullscreen) {
        element.requestFullscreen().catch(function () {});
      } else if (!on && document.fullscreenElement && document.exitFullscreen) {
        document.exitFullscreen().catch(function () {});
      }
    });
    document.addEventListener("fullscreenchange", function () {
      if (!document.fullscreenElement) {
        setPresenting(false);
      }
    });
  }

  keepAwake();
  setInterval(tick, 1000);
  tick();
  schedule(poll ? Math.min(expiresIn + 0.3, poll) : expiresIn + 0.3);
})();
