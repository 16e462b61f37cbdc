// Live progress of a batch: polls the progress URL and updates the bar and
// the counts; reloads the page once the batch is finished, to show the
// results. Without JavaScript the page refreshes itself (noscript meta).
(function () {
  "use strict";
  var section = document.getElementById("batch-progress");
  if (!section) {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("progress-bar");
  var percent = document.getElementById("progress-percent");
  var status = document.getElementById("progress-status");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    percent.textContent = data.percent;
    status.textContent = data.status_label.charAt(0).toUpperCase() + data.status_label.slice(1);
    section.querySelectorAll("[data-count]").forEach(function (cell) {
      // Grouped as the page's language groups thousands (200,000 / 200 000).
      cell.textContent = Number(data[cell.getAttribute("data-count")]).toLocaleString(
        document.documentElement.lang || undefined
      );
    });
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 500);
})();
