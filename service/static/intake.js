// The intake form: preset service lines, submit to the API without leaving the page, show the result in place.
import { api, clearErrors, keepTicks, page, problemText, say, showErrors, showFailure, sleep } from "./console.js";

const form = document.getElementById("verification-form");
const lines = document.getElementById("service-lines");
const lineTemplate = document.getElementById("service-line");
const result = document.getElementById("result");
const presets = JSON.parse(form.dataset.presets);
const WAIT_SECONDS = 10;
const POLL_SECONDS = 30;

// Every line's inputs get ids and labels by position, so each has its own <label> and errors find it.
function numberLines() {
  [...lines.querySelectorAll("tr[data-line]")].forEach((row, index) => {
    for (const input of row.querySelectorAll("[data-part]")) {
      const part = input.dataset.part;
      input.id = `services-${index}-${part}`;
      const label = row.querySelector(`[data-label="${part}"]`);
      label.htmlFor = input.id;
      label.textContent = `Service ${index + 1} ${part}`;
    }
    row.querySelector("[data-remove]").setAttribute("aria-label", `Remove service ${index + 1}`);
  });
}

function addLine({ code = "", units = 1, charge = "" } = {}) {
  const row = lineTemplate.content.firstElementChild.cloneNode(true);
  row.querySelector('[data-part="code"]').value = code;
  row.querySelector('[data-part="units"]').value = units;
  row.querySelector('[data-part="charge"]').value = charge;
  lines.append(row);
  numberLines();
  return row;
}

lines.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove]");
  if (!button) return;
  const row = button.closest("tr");
  const next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  numberLines();
  say("Service line removed.");
  (next ? next.querySelector("input") : document.getElementById("add-line")).focus();
});

document.getElementById("add-line").addEventListener("click", () => {
  addLine().querySelector("input").focus();
});

document.getElementById("preset").addEventListener("change", (event) => {
  const preset = presets[event.target.value];
  if (!preset) return;
  lines.replaceChildren();
  for (const line of preset.lines) addLine(line);
  form.elements.namedItem("sessions").value = preset.sessions;
  say(`${preset.name}: ${preset.lines.length} service lines and ${preset.sessions} sessions filled in.`);
});

function put(target, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  for (const key of keys) target = target[key] ??= {};
  target[last] = value;
}

// The request body: every filled field at its dotted name (the schema converts strings), the lines in order.
// Also where each service line's inputs are, by their position in the body, for error messages.
function request() {
  const body = {};
  for (const element of form.elements) {
    if (!element.name || element.closest("tr[data-line]")) continue;
    if (element.type === "checkbox") {
      put(body, element.name, element.checked);
      continue;
    }
    const value = element.value.trim();
    if (value === "") continue;
    put(body, element.name, "list" in element.dataset ? value.split(/[\s,;]+/).filter(Boolean) : value);
  }
  const lineInputs = [];
  body.services = [];
  for (const row of lines.querySelectorAll("tr[data-line]")) {
    const line = {};
    const inputs = {};
    for (const input of row.querySelectorAll("[data-part]")) {
      inputs[input.dataset.part] = input;
      if (input.value.trim() !== "") line[input.dataset.part] = input.value.trim();
    }
    if (Object.keys(line).length === 0) continue;
    body.services.push(line);
    lineInputs.push(inputs);
  }
  return { body, lineInputs };
}

function locator(lineInputs) {
  return (path) => {
    const line = path.match(/^services\.(\d+)\.(\w+)$/);
    if (line) return lineInputs[Number(line[1])]?.[line[2]] ?? null;
    if (path === "services") return lines.querySelector("input") || document.getElementById("add-line");
    // One item of a list field (diagnoses.1): the list's own field.
    const whole = path.replace(/\.\d+$/, "");
    // A whole group missing (say, patient): point at its first field.
    return form.elements.namedItem(whole) || form.querySelector(`[name^="${whole}."]`);
  };
}

// The finished verification, null when it takes too long, or the answer of a poll that failed.
async function finished(verification) {
  const deadline = Date.now() + POLL_SECONDS * 1000;
  while (!["complete", "failed"].includes(verification.status)) {
    if (Date.now() > deadline) return null;
    await sleep(500);
    const polled = await api(verification.links.self);
    if (!polled.ok) return polled;
    verification = polled.data;
  }
  return verification;
}

// The result card in place; false (and nothing shown) when it could not be fetched.
async function showResult(id) {
  const fragment = await page(`/intake/verifications/${id}/result`);
  if (!fragment.ok) return fragment;
  result.innerHTML = fragment.text;
  keepTicks(result, id);
  const heading = document.getElementById("result-heading");
  const badge = result.querySelector(".badge");
  const status = document.getElementById("eligibility-status");
  say(`Result: ${badge ? badge.lastChild.textContent.trim() : "ready"}${status ? `. ${status.textContent.trim()}` : ""}.`);
  heading.focus({ preventScroll: true });
  result.scrollIntoView({ block: "start" });
  return fragment;
}

function clearResult(announce) {
  if (!result.hasChildNodes()) return;
  result.replaceChildren();
  if (announce) say("The entries changed: check coverage again for a new answer.");
}

// A result belongs to the entries it answered: once they change, it goes.
form.addEventListener("input", () => clearResult(true));
form.addEventListener("change", () => clearResult(true));

document.getElementById("new-patient").addEventListener("click", () => {
  form.reset();
  clearErrors(form);
  lines.replaceChildren();
  addLine();
  result.replaceChildren();
  say("Form cleared for a new patient.");
  form.elements.namedItem("patient.first_name").focus();
});

// One click on an undecided card: the same entries, checked again as the program or carrier named.
result.addEventListener("click", (event) => {
  const button = event.target.closest("[data-recheck-program], [data-recheck-carrier]");
  if (!button) return;
  if (button.dataset.recheckProgram) form.elements.namedItem("coverage.program").value = button.dataset.recheckProgram;
  if (button.dataset.recheckCarrier) form.elements.namedItem("coverage.carrier").value = button.dataset.recheckCarrier;
  form.requestSubmit();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const button = document.getElementById("check");
  showFailure(button, "");
  button.disabled = true;
  result.replaceChildren();
  say("Checking coverage…");
  // Whatever goes wrong, the entries stay as typed: only a result replaces nothing.
  const failed = (text) => {
    say("");
    showFailure(button, text);
  };
  try {
    const { body, lineInputs } = request();
    const answer = await api(`/api/v1/verifications?wait=${WAIT_SECONDS}`, { method: "POST", body });
    if (answer.status === 422 || answer.status === 400) {
      say("Some fields need attention.");
      showErrors(form, "Some entries need attention", answer.data.error.fields, locator(lineInputs));
      return;
    }
    if (!answer.ok) return failed(problemText(answer));
    const verification = await finished(answer.data);
    if (verification === null) {
      return failed("The check is taking longer than usual. Its result will be in billing review; try again shortly.");
    }
    if (typeof verification.status === "number") return failed(problemText(verification));
    const shown = await showResult(verification.id);
    if (!shown.ok) failed(problemText(shown));
  } catch {
    failed("Something went wrong on this page. Try again: what you typed is still here.");
  } finally {
    button.disabled = false;
  }
});

addLine();
