// A running job's progress bar (projects/job_detail.html): polls the job's status once a second
// and reloads the page when the job is over, so its result or its reason shows.
(() => {
  const box = document.getElementById("job");
  if (!box || box.dataset.over === "1") return;
  const bar = document.getElementById("job-bar");
  const progress = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  const state = document.getElementById("job-state");
  const poll = () => {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((status) => {
        if (status.over) {
          window.location.reload();
          return;
        }
        bar.style.width = `${status.percent}%`;
        bar.textContent = `${status.percent}%`;
        progress.setAttribute("aria-valuenow", String(status.percent));
        state.textContent = status.state_label;
        if (status.total) count.textContent = `${status.done} / ${status.total}`;
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  window.setTimeout(poll, 1000);
})();
