/* 美丽沙州 — reading QR codes in the page, shared by the organiser's scanner
 * (checkin-scanner.js) and 扫一扫 (scan-activity.js).
 *
 *   ShazhouQR.camera({video, frame, decoderSrc, onText, onState, paused}) → {start, stop}
 *     Opens the back camera in <video>, reads a code about seven times a second and calls
 *     onText(text) for each new one (the same code held still is reported once every 4 s).
 *     onState(state) hears "starting", "aim", "stopped", "no-camera", "denied",
 *     "camera-failed" and "no-decoder"; paused() may hold reading while a code is handled.
 *   ShazhouQR.readImage(file, decoderSrc) → Promise of the text, or null if none is found:
 *     a picture chosen from the album or just taken (WeChat users screenshot codes).
 *
 * Decoding uses the browser's own BarcodeDetector where it reads QR codes (Chrome on
 * Android); elsewhere (iPhone, WeChat, desktop Linux) the vendored jsQR is loaded on
 * first use.
 */
(function () {
  "use strict";
  if (!window.Promise) {
    return;
  }

  var detector = null;
  var jsQR = null;
  var choosing = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function useJsQR(decoderSrc) {
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

  function chooseDecoder(decoderSrc) {
    if (detector || jsQR) {
      return Promise.resolve();
    }
    if (!choosing) {
      var fallback = function () {
        return useJsQR(decoderSrc);
      };
      if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
        choosing = window.BarcodeDetector.getSupportedFormats()
          .then(function (formats) {
            if (formats.indexOf("qr_code") >= 0) {
              detector = new window.BarcodeDetector({ formats: ["qr_code"] });
              return null;
            }
            return fallback();
          })
          .catch(fallback);
      } else {
        choosing = fallback();
      }
      choosing = choosing.catch(function (error) {
        choosing = null; // a later try may load it (the network came back)
        throw error;
      });
    }
    return choosing;
  }

  var canvas = null;
  var context = null;

  // Draws ``source`` at most ``longest`` px on its longer side and reads it with jsQR.
  function jsQRRead(source, width, height, longest, inversion) {
    var scale = Math.min(1, longest / Math.max(width, height));
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
    if (!canvas) {
      canvas = document.createElement("canvas");
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    canvas.width = width;
    canvas.height = height;
    context.fillStyle = "#fff"; // a transparent PNG reads as white paper, not black
    context.fillRect(0, 0, width, height);
    context.drawImage(source, 0, 0, width, height);
    var image = context.getImageData(0, 0, width, height);
    var result = jsQR(image.data, width, height, { inversionAttempts: inversion });
    return result && result.data ? result.data : null;
  }

  function camera(options) {
    var video = options.video;
    var frame = options.frame;
    var decoderSrc = options.decoderSrc;
    var onText = options.onText;
    var onState = options.onState || function () {};
    var paused =
      options.paused ||
      function () {
        return false;
      };
    var stream = null;
    var lastText = null;
    var lastAt = 0;

    function found(text) {
      var now = Date.now();
      // The same code held in front of the camera is reported once, not five times a second.
      if (!text || (text === lastText && now - lastAt < 4000)) {
        return;
      }
      lastText = text;
      lastAt = now;
      onText(text);
    }

    function readFrame() {
      if (!stream || paused() || video.readyState < 2) {
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
      if (!video.videoWidth || !video.videoHeight) {
        return Promise.resolve();
      }
      // 640 px across is plenty for a phone-screen QR and keeps jsQR quick.
      found(jsQRRead(video, video.videoWidth, video.videoHeight, 640, "dontInvert"));
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
      var wasOn = !!stream;
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      stream = null;
      video.srcObject = null;
      frame.hidden = true;
      if (wasOn) {
        onState("stopped");
      }
    }

    function start() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        onState("no-camera");
        return;
      }
      onState("starting");
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          frame.hidden = false;
          return video.play();
        })
        .then(function () {
          return chooseDecoder(decoderSrc).catch(function () {
            throw { name: "DecoderError" };
          });
        })
        .then(function () {
          onState("aim");
          loop();
        })
        .catch(function (error) {
          stop();
          var name = error && error.name;
          onState(
            name === "NotAllowedError" || name === "SecurityError"
              ? "denied"
              : name === "DecoderError"
                ? "no-decoder"
                : name === "NotFoundError" || name === "OverconstrainedError"
                  ? "no-camera"
                  : "camera-failed"
          );
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        stop(); // the camera light goes off when the phone is put away
      }
    });

    return {
      start: start,
      stop: stop,
      isOn: function () {
        return !!stream;
      }
    };
  }

  function loadPicture(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file).then(function (bitmap) {
        return { source: bitmap, width: bitmap.width, height: bitmap.height };
      });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        URL.revokeObjectURL(url);
        resolve({ source: image, width: image.naturalWidth, height: image.naturalHeight });
      };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("not a picture"));
      };
      image.src = url;
    });
  }

  function readImage(file, decoderSrc) {
    return Promise.all([loadPicture(file), chooseDecoder(decoderSrc)]).then(function (parts) {
      var picture = parts[0];
      var withJsQR = function () {
        return (jsQR ? Promise.resolve() : useJsQR(decoderSrc)).then(function () {
          // A large photo first, then smaller: a code that fills a screenshot reads best
          // small, a code far off in a photo needs the pixels.
          var sizes = [1200, 800, 480];
          for (var i = 0; i < sizes.length; i += 1) {
            var text = jsQRRead(picture.source, picture.width, picture.height, sizes[i], "attemptBoth");
            if (text) {
              return text;
            }
          }
          return null;
        });
      };
      if (detector) {
        return detector
          .detect(picture.source)
          .then(function (codes) {
            return codes.length ? codes[0].rawValue : withJsQR();
          })
          .catch(withJsQR);
      }
      return withJsQR();
    });
  }

  // The camera's start/stop buttons and its status line follow its state the same way on
  // both scanners: an onState handler for camera().
  function buttonsFollow(startButton, stopButton, status, message) {
    return function (state) {
      var on = state === "starting" || state === "aim";
      startButton.hidden = on;
      stopButton.hidden = !on;
      if (state !== "stopped") {
        status.textContent = message(state);
      }
    };
  }

  window.ShazhouQR = { camera: camera, readImage: readImage, buttonsFollow: buttonsFollow };
})();
