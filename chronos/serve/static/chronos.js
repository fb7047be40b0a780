// chronos workspace: the little the pages need, with no library and nothing fetched
// from elsewhere (the Content-Security-Policy allows only this file).
"use strict";

function showJob(box, job) {
  const state = box.querySelector("#state");
  const log = box.querySelector(".log");
  const progress = box.querySelector("progress");
  if (log) {
    log.replaceChildren(...job.messages.map((m) => {
      const li = document.createElement("li");
      li.textContent = m;
      return li;
    }));
  }
  if (state) {
    state.textContent = !job.done ? `Building… (${job.seconds} s)`
      : job.error ? `Failed: ${job.error}` : `Done in ${job.seconds} s.`;
  }
  if (job.done && progress) progress.hidden = true;
  const files = box.dataset.files;
  const list = box.querySelector("#outputs");
  if (job.done && files && list) {
    list.replaceChildren(...job.outputs.map((name) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = files + encodeURIComponent(name);
      a.textContent = name;
      a.setAttribute("download", "");
      li.append(a);
      return li;
    }));
  }
}

function watch(box) {
  const url = box.dataset.status;
  const tick = async () => {
    let job;
    try {
      const answer = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      job = await answer.json();
    } catch (e) {
      setTimeout(tick, 2000);
      return;
    }
    showJob(box, job);
    if (job.done) {
      box.dataset.done = "1";
      if (box.dataset.reload && job.ready) window.location.reload();
      return;
    }
    setTimeout(tick, 700);
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".job[data-status]").forEach(watch);
  // filters apply as soon as a choice changes
  const filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach((s) =>
      s.addEventListener("change", () => filters.requestSubmit()));
  }
});
