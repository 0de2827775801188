// Batches: upload a file to the API as it is and go to the batch's own page; there, follow its progress
// until every row is done, then bring in the rows' answers.
import { api, clearErrors, problemText, showErrors, showFailure, sleep } from "./console.js";

// Times as the desk reads them, in this computer's time zone: 12/04/2026, 9:31 PM.
for (const time of document.querySelectorAll("time[data-local]")) {
  const moment = new Date(time.dateTime);
  if (!Number.isNaN(moment.getTime())) {
    time.textContent = moment.toLocaleString("en-US", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "numeric", minute: "2-digit",
    });
  }
}

const form = document.getElementById("batch-form");
if (form) {
  const file = document.getElementById("batch-file");
  const button = document.getElementById("upload");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    showFailure(button, "");
    const chosen = file.files[0];
    if (!chosen) {
      showErrors(form, "Choose a file to upload.", { body: ["Choose a CSV file."] }, () => file);
      return;
    }
    const contentType = chosen.name.toLowerCase().endsWith(".json") ? "application/json" : "text/csv";
    button.disabled = true;
    const answer = await api("/api/v1/batches", { method: "POST", body: chosen, contentType });
    button.disabled = false;
    if (!answer.ok) {
      const error = answer.data && answer.data.error;
      if (error && error.fields && answer.status < 500) showErrors(form, error.message, error.fields, () => file);
      else showFailure(button, problemText(answer));
      return;
    }
    // The batch's own address: a reload, a bookmark or the history brings it back.
    window.location.assign(`/batches/${answer.data.id}`);
  });
}

const area = document.getElementById("batch");
if (area && area.dataset.status !== "complete") follow(area.dataset.link, JSON.parse(area.dataset.labels));

function showProgress(batch, labels) {
  const progress = document.getElementById("batch-progress");
  progress.max = batch.total;
  progress.value = batch.done;
  document.getElementById("batch-state").textContent = batch.status;
  document.getElementById("batch-count").textContent =
    `${batch.done} of ${batch.total} rows done${batch.rejected ? ` (${batch.rejected} not checked: see below)` : ""}${batch.status === "complete" ? ". Complete." : "."}`;
  const tallies = document.getElementById("batch-determinations");
  tallies.replaceChildren();
  for (const [determination, count] of Object.entries(batch.by_determination).sort()) {
    const item = document.createElement("li");
    item.dataset.determination = determination;
    item.textContent = `${labels[determination] || determination.replaceAll("_", " ")}: ${count}`;
    tallies.append(item);
  }
  if (batch.failed) {
    const item = document.createElement("li");
    item.textContent = `Could not be evaluated: ${batch.failed}`;
    tallies.append(item);
  }
}

// The rows as the page itself renders them now that they are answered.
async function refreshRows() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("batch-rows-area");
  if (fresh) document.getElementById("batch-rows-area").replaceWith(fresh);
}

async function follow(link, labels) {
  const progress = document.getElementById("batch-progress");
  let announced = -1;
  for (;;) {
    const answer = await api(`${link}?per_page=0`);
    if (!answer.ok) {
      document.getElementById("batch-count").textContent = problemText(answer);
      return;
    }
    const batch = answer.data;
    // Announce (in the live region) at most every tenth of the way, not on every poll.
    const step = Math.floor((10 * batch.done) / batch.total);
    if (step !== announced || batch.status === "complete") {
      showProgress(batch, labels);
      announced = step;
    } else {
      progress.value = batch.done;
    }
    if (batch.status === "complete") {
      await refreshRows();
      document.getElementById("batch-csv").hidden = false;
      return;
    }
    await sleep(500);
  }
}
