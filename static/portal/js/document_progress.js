/* Generated document status page: polls the status URL every 1.5 s and updates the progress bar until the
   document is ready or has failed. Loaded as a file because the CSP allows only our own scripts; without
   JavaScript the page still works through its Refresh link. */
(function () {
  "use strict";

  var INTERVAL_MS = 1500;
  var MAX_ERRORS = 10;

  function start(box) {
    var url = box.getAttribute("data-status-url");
    if (!url || box.getAttribute("data-finished") === "true" || !window.fetch) {
      return;
    }
    var part = function (role) { return box.querySelector('[data-role="' + role + '"]'); };
    var errors = 0;

    function show(data) {
      var status = part("status");
      if (status) {
        status.textContent = data.status_label || data.status;
        status.className = "state state-" + data.status;
      }
      var bar = part("bar");
      if (bar) {
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
      }
      var count = part("count");
      if (count && data.total > 1) {
        count.textContent = data.done + " / " + data.total;
      }
      var finished = data.status === "done" || data.status === "failed";
      if (data.status === "done" && data.download_url) {
        var link = part("download");
        if (link) { link.setAttribute("href", data.download_url); }
        part("ready").hidden = false;
      }
      if (data.status === "failed") {
        part("failed").hidden = false;
      }
      if (finished) {
        part("waiting").hidden = true;
        box.setAttribute("data-finished", "true");
      }
      return finished;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          errors = 0;
          if (!show(data)) { window.setTimeout(poll, INTERVAL_MS); }
        })
        .catch(function () {
          // A dropped connection or a restarting server: try again a little later, then leave it to Refresh.
          errors += 1;
          if (errors < MAX_ERRORS) { window.setTimeout(poll, INTERVAL_MS * (errors + 1)); }
        });
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("document-progress");
    if (box) { start(box); }
  });
})();
