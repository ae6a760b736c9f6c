/* 美丽沙州 — the organiser's scanner: reads a volunteer's personal QR with the phone's
 * camera, or takes the typed 6-character code, and posts it (with the CSRF token) to the
 * same address. The answer comes back as JSON and is shown as a big green or red banner,
 * with a short vibration where the phone has one.
 *
 * The camera and the decoding are qr-reader.js's (loaded first), shared with 扫一扫.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root || !window.fetch || !window.Promise || !window.ShazhouQR) {
    return; // the typed-code form still posts the ordinary way
  }
  var form = root.querySelector("[data-code-form]");
  var input = form.querySelector("input[name=code]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var banner = root.querySelector("[data-banner]");
  var bannerName = root.querySelector("[data-banner-name]");
  var bannerMessage = root.querySelector("[data-banner-message]");
  var frame = root.querySelector("[data-camera-frame]");
  var video = root.querySelector("[data-camera-video]");
  var startButton = root.querySelector("[data-camera-start]");
  var stopButton = root.querySelector("[data-camera-stop]");
  var cameraStatus = root.querySelector("[data-camera-status]");
  var countIn = root.querySelector("[data-count-in]");
  var countOut = root.querySelector("[data-count-out]");
  var decoderSrc = root.getAttribute("data-decoder-src");

  var busy = false;

  function message(name) {
    return root.getAttribute("data-msg-" + name) || "";
  }

  function show(kind, name, text) {
    banner.hidden = false;
    banner.className = "scan-banner scan-banner--" + kind;
    bannerName.textContent = name || "";
    bannerMessage.textContent = text || "";
    void banner.offsetWidth; // restart the entrance animation
    banner.classList.add("is-fresh");
    if (kind !== "busy" && navigator.vibrate) {
      navigator.vibrate(kind === "ok" ? 120 : [90, 70, 90]);
    }
  }

  function submit(code) {
    if (busy) {
      return;
    }
    busy = true;
    show("busy", "", message("sending"));
    var body = new FormData();
    body.append("code", code);
    fetch(window.location.href, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().catch(function () {
          // A CSRF or login page rather than our JSON: the page is stale.
          return { ok: false, message: message("expired-page") };
        });
      })
      .then(
        function (data) {
          var text = data.message || "";
          if (data.ok && data.state === "in" && data.time) {
            text += " " + data.time;
          }
          show(data.ok ? "ok" : "error", data.name, text);
          if (typeof data.count_in === "number" && countIn) {
            countIn.textContent = data.count_in;
          }
          if (typeof data.count_out === "number" && countOut) {
            countOut.textContent = data.count_out;
          }
          busy = false;
        },
        function () {
          show("error", "", message("offline"));
          busy = false;
        }
      );
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    if (!code) {
      show("error", "", message("empty"));
      input.focus();
      return;
    }
    submit(code);
    input.value = "";
  });

  // --- camera (qr-reader.js) ---------------------------------------------------------------

  var camera = window.ShazhouQR.camera({
    video: video,
    frame: frame,
    decoderSrc: decoderSrc,
    onText: submit,
    paused: function () {
      return busy;
    },
    onState: window.ShazhouQR.buttonsFollow(startButton, stopButton, cameraStatus, message)
  });

  function start() {
    camera.start();
  }

  function stop() {
    camera.stop();
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
})();
