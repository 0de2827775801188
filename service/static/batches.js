// Batch upload: send the file to the API as it is, then follow the batch's progress until every row is done.
import { api, clearErrors, problemText, showErrors, showProblem, sleep } from "./console.js";

const form = document.getElementById("batch-form");
const file = document.getElementById("batch-file");
const area = document.getElementById("batch");
const progress = document.getElementById("batch-progress");
const { determinations: DETERMINATIONS } = JSON.parse(form.dataset.names);

function showBad(errors) {
  const body = document.querySelector("#batch-errors tbody");
  body.replaceChildren();
  for (const error of errors) {
    for (const [column, messages] of Object.entries(error.fields)) {
      const row = document.createElement("tr");
      for (const text of [error.row, column, messages.join(" ")]) {
        const td = document.createElement("td");
        // The column as the CSV's header spells it, to find in the file.
        if (text === column) td.append(Object.assign(document.createElement("code"), { textContent: column }));
        else td.textContent = text;
        row.append(td);
      }
      body.append(row);
    }
  }
  document.getElementById("batch-errors-area").hidden = errors.length === 0;
}

function showProgress(batch) {
  progress.max = batch.total;
  progress.value = batch.done;
  document.getElementById("batch-state").textContent = batch.status;
  document.getElementById("batch-count").textContent =
    `${batch.done} of ${batch.total} rows done${batch.rejected ? ` (${batch.rejected} not checked: see below)` : ""}${batch.status === "complete" ? ". Complete." : "."}`;
  const tallies = document.getElementById("batch-determinations");
  tallies.replaceChildren();
  for (const [determination, count] of Object.entries(batch.by_determination)) {
    const item = document.createElement("li");
    item.dataset.determination = determination;
    item.textContent = `${DETERMINATIONS[determination] || determination.replaceAll("_", " ")}: ${count}`;
    tallies.append(item);
  }
  if (batch.failed) {
    const item = document.createElement("li");
    item.textContent = `could not be evaluated: ${batch.failed}`;
    tallies.append(item);
  }
}

async function follow(link) {
  let announced = -1;
  for (;;) {
    const answer = await api(`${link}?per_page=0`);
    if (!answer.ok) {
      showProblem(form, problemText(answer));
      return;
    }
    const batch = answer.data;
    // Announce (in the live region) at most every tenth of the way, not on every poll.
    const step = Math.floor((10 * batch.done) / batch.total);
    if (step !== announced || batch.status === "complete") {
      showProgress(batch);
      announced = step;
    } else {
      progress.value = batch.done;
    }
    if (batch.status === "complete") {
      const csv = document.getElementById("batch-csv");
      csv.href = batch.links.csv;
      csv.hidden = false;
      return;
    }
    await sleep(500);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const chosen = file.files[0];
  if (!chosen) {
    showErrors(form, "Choose a file to upload.", { body: ["Choose a CSV file."] }, () => file);
    return;
  }
  const contentType = chosen.name.toLowerCase().endsWith(".json") ? "application/json" : "text/csv";
  const answer = await api("/api/v1/batches", { method: "POST", body: chosen, contentType });
  if (!answer.ok) {
    const error = answer.data && answer.data.error;
    if (error && error.fields) showErrors(form, error.message, error.fields, () => file);
    else showProblem(form, problemText(answer));
    return;
  }
  area.hidden = false;
  document.getElementById("batch-csv").hidden = true;
  showBad(answer.data.errors);
  showProgress({ ...answer.data, done: answer.data.rejected, by_determination: {}, failed: 0 });
  document.getElementById("batch-heading").focus();
  await follow(answer.data.links.self);
});
