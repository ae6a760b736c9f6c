/* 美丽沙州 — 扫一扫 (/scan/): the phone's camera, or a picture picked from the album or
 * just taken, reads an activity's check-in QR, and the browser goes to the code's own
 * address (/c/<token>) where the check-in happens. Only this site's /c/ addresses are
 * followed; any other code gets a message on the page and nothing else happens.
 * The camera and the decoding are qr-reader.js's (loaded first).
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-scan-activity]");
  if (!root || !window.ShazhouQR || !window.URL) {
    return;
  }
  var decoderSrc = root.getAttribute("data-decoder-src");
  var banner = root.querySelector("[data-banner]");
  var bannerMessage = root.querySelector("[data-banner-message]");
  var frame = root.querySelector("[data-camera-frame]");
  var video = root.querySelector("[data-camera-video]");
  var startButton = root.querySelector("[data-camera-start]");
  var stopButton = root.querySelector("[data-camera-stop]");
  var cameraStatus = root.querySelector("[data-camera-status]");
  var fileInput = root.querySelector("[data-scan-file]");
  var leaving = false;

  function message(name) {
    return root.getAttribute("data-msg-" + name) || "";
  }

  function show(kind, text) {
    banner.hidden = false;
    banner.className = "scan-banner scan-banner--" + kind;
    bannerMessage.textContent = text;
    void banner.offsetWidth; // restart the entrance animation
    banner.classList.add("is-fresh");
    if (kind === "error" && navigator.vibrate) {
      navigator.vibrate([90, 70, 90]);
    }
  }

  // The check-in address a code stands for, or null: same origin, path under /c/.
  function checkInAddress(text) {
    var url;
    try {
      url = new URL(String(text).trim(), window.location.href);
    } catch (error) {
      return null;
    }
    if (url.origin !== window.location.origin || url.pathname.indexOf("/c/") !== 0) {
      return null;
    }
    return url.pathname + url.search;
  }

  function follow(text) {
    if (leaving) {
      return;
    }
    var address = checkInAddress(text);
    if (!address) {
      show("error", message("not-activity"));
      return;
    }
    leaving = true;
    camera.stop();
    show("busy", message("going"));
    window.location.assign(address);
  }

  var camera = window.ShazhouQR.camera({
    video: video,
    frame: frame,
    decoderSrc: decoderSrc,
    onText: follow,
    paused: function () {
      return leaving;
    },
    onState: window.ShazhouQR.buttonsFollow(startButton, stopButton, cameraStatus, message)
  });

  startButton.addEventListener("click", camera.start);
  stopButton.addEventListener("click", camera.stop);

  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) {
      return;
    }
    show("busy", message("reading"));
    window.ShazhouQR.readImage(file, decoderSrc).then(
      function (text) {
        fileInput.value = ""; // the same picture may be picked again
        if (text) {
          follow(text);
        } else {
          show("error", message("none-found"));
        }
      },
      function () {
        fileInput.value = "";
        show("error", message("not-picture"));
      }
    );
  });

  // 扫一扫 means the camera: open it at once where the browser lets a page ask.
  camera.start();
})();
