// Follows a background job on its page: polls its status and updates the figures, and
// reloads the page once the job has finished so that the page shows what it found.
(function () {
  "use strict";
  var section = document.querySelector(".custodiet-job");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  function part(name) { return section.querySelector('[data-job="' + name + '"]'); }
  function show(status) {
    part("state").textContent = status.state_display;
    var bar = part("bar");
    if (status.percent !== null) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
    var label = status.label || "";
    if (status.total) { label += ": " + status.done + " of " + status.total; }
    part("label").textContent = label;
    part("stalled").hidden = !status.stalled;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        if (status.finished) { window.location.reload(); return; }
        show(status);
        // A job whose process has stopped may never move again: ask less often.
        window.setTimeout(poll, status.stalled ? 10000 : 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (part("state").textContent.trim() !== "Finished" && part("failed").hidden) {
    window.setTimeout(poll, 1000);
  }
})();
