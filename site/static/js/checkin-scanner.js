/* 美丽沙州 — the organiser's scanner: reads a volunteer's personal QR with the phone's
 * camera, or takes the typed 6-character code, and posts it (with the CSRF token) to the
 * same address. The answer comes back as JSON and is shown as a big green or red banner,
 * with a short vibration where the phone has one.
 *
 * Decoding uses the browser's own BarcodeDetector where it reads QR codes (Chrome on
 * Android); elsewhere (iPhone, WeChat) the vendored jsQR is loaded on first use.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root || !window.fetch || !window.Promise) {
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
  var lastCode = null;
  var lastAt = 0;
  var stream = null;
  var detector = null;
  var jsQR = null;
  var canvas = null;
  var context = null;

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

  // --- camera -------------------------------------------------------------------------------

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function useJsQR() {
    if (window.jsQR) {
      jsQR = window.jsQR;
      return Promise.resolve();
    }
    return loadScript(decoderSrc).then(function () {
      jsQR = window.jsQR;
      if (!jsQR) {
        throw new Error("jsQR missing");
      }
    });
  }

  function chooseDecoder() {
    if (detector || jsQR) {
      return Promise.resolve();
    }
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats()
        .then(function (formats) {
          if (formats.indexOf("qr_code") >= 0) {
            detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            return null;
          }
          return useJsQR();
        })
        .catch(useJsQR);
    }
    return useJsQR();
  }

  function found(text) {
    var now = Date.now();
    // The same code held in front of the camera is sent once, not five times a second.
    if (!text || (text === lastCode && now - lastAt < 4000)) {
      return;
    }
    lastCode = text;
    lastAt = now;
    submit(text);
  }

  function readFrame() {
    if (!stream || busy || video.readyState < 2) {
      return Promise.resolve();
    }
    if (detector) {
      return detector
        .detect(video)
        .then(function (codes) {
          if (codes.length) {
            found(codes[0].rawValue);
          }
        })
        .catch(function () {});
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) {
      return Promise.resolve();
    }
    // 640 px across is plenty for a phone-screen QR and keeps jsQR quick.
    var scale = Math.min(1, 640 / Math.max(width, height));
    width = Math.round(width * scale);
    height = Math.round(height * scale);
    if (!canvas) {
      canvas = document.createElement("canvas");
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    var image = context.getImageData(0, 0, width, height);
    var result = jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    if (result && result.data) {
      found(result.data);
    }
    return Promise.resolve();
  }

  function loop() {
    if (!stream) {
      return;
    }
    readFrame().then(function () {
      if (stream) {
        setTimeout(loop, 150);
      }
    });
  }

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.srcObject = null;
    frame.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = message("no-camera");
      return;
    }
    cameraStatus.textContent = message("starting");
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        frame.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(function () {
        return chooseDecoder().catch(function () {
          stop();
          throw { name: "DecoderError" };
        });
      })
      .then(function () {
        cameraStatus.textContent = message("aim");
        loop();
      })
      .catch(function (error) {
        stop();
        var name = error && error.name;
        cameraStatus.textContent =
          name === "NotAllowedError" || name === "SecurityError"
            ? message("denied")
            : name === "DecoderError"
              ? message("no-decoder")
              : message("camera-failed");
      });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stop(); // the camera light goes off when the phone is put away
    }
  });
})();
