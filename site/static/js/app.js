/* Registers the service worker (/sw.js) that makes the site installable and keeps its
   shell for poor signal. Nothing else: every page works without it. */
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  });
}
