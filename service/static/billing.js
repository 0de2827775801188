// Billing review: filters, the verifications table, the denial-reason chart, and the CSV link for the same filters.
import { api, clearErrors, problemText, say, showErrors, showProblem } from "./console.js";

const form = document.getElementById("filters");
const table = document.querySelector("#verifications tbody");
const denialTable = document.querySelector("#denial-table tbody");
const chart = document.getElementById("chart");
const exportLink = document.getElementById("export-csv");
const PER_PAGE = 25;
const PERIOD = ["since", "until", "program"];
const PROGRAM_COLOURS = {
  va_ccn: "#1b7a4b", tricare: "#8a4baf", commercial: "#1f5fa8", medicare: "#0e6e78", medicare_advantage: "#5a6e0e",
  medicaid: "#9c2f5b", champva: "#6b4a2a", self_pay: "#a35a00", null: "#666",
};
const SVG = "http://www.w3.org/2000/svg";
let page = 1;

function filters(names) {
  const query = new URLSearchParams();
  for (const element of form.elements) {
    if (element.name && element.value.trim() && (!names || names.includes(element.name))) {
      query.set(element.name, element.value.trim());
    }
  }
  return query;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "—";
  if (className) td.className = className;
  row.append(td);
  return td;
}

// 2026-12-01 (or an ISO timestamp) as 12/01/2026.
const usDate = (value) => {
  const found = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
  return found ? `${found[2]}/${found[3]}/${found[1]}` : "—";
};
const { programs: PROGRAMS, determinations: DETERMINATIONS } = JSON.parse(form.dataset.names);
// A program's name as staff say it ("unrouted": the rules could not tell which program runs the card).
const programName = (program) => PROGRAMS[program] || "Program not known";

const money = (value) => (value === null || value === undefined ? "—" : `$${Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);

function fillTable(items) {
  table.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.carcs = (item.denial_reasons || []).map((reason) => reason.carc).join(" ");
    const patient = item.patient || {};
    const name = document.createElement("th");
    name.scope = "row";
    const link = document.createElement("a");
    link.href = `/billing/verifications/${item.id}`;
    link.textContent = [patient.last_name, patient.first_name].filter(Boolean).join(", ") || "(no name)";
    name.append(link);
    row.append(name);
    cell(row, usDate(patient.date_of_birth));
    cell(row, patient.member_id);
    cell(row, patient.payer);
    cell(row, usDate(patient.date_of_service));
    cell(row, item.program ? programName(item.program) : "—");
    const badge = document.createElement("span");
    badge.className = `badge badge-small badge-${item.determination || item.status}`;
    badge.textContent = DETERMINATIONS[item.determination] || (item.determination || item.status).replaceAll("_", " ");
    cell(row, "").append(badge);
    cell(row, (item.denial_reasons || []).map((reason) => reason.carc).join(", ") || "—");
    cell(row, money(item.estimate?.total?.patient), "num");
    cell(row, money(item.estimate?.total?.payer), "num");
    cell(row, usDate(item.created_at));
    table.append(row);
  }
}

// Stacked bars, one per CARC, a segment per program; the table under it carries the same numbers in words.
function drawChart(items) {
  const barHeight = 26;
  const labelWidth = 70;
  const width = 640;
  const max = Math.max(1, ...items.map((item) => item.count));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(1, items.length) * (barHeight + 8) + 4}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", items.length
    ? `Denial reasons by count: ${items.map((item) => `CARC ${item.carc}, ${item.count}`).join("; ")}.`
    : "No denial reasons for these filters.");
  items.forEach((item, index) => {
    const y = index * (barHeight + 8) + 4;
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", 0);
    label.setAttribute("y", y + barHeight * 0.7);
    label.textContent = `CARC ${item.carc}`;
    svg.append(label);
    let x = labelWidth;
    for (const [program, count] of Object.entries(item.programs)) {
      const segment = document.createElementNS(SVG, "rect");
      const segmentWidth = ((width - labelWidth - 50) * count) / max;
      segment.setAttribute("x", x);
      segment.setAttribute("y", y);
      segment.setAttribute("width", segmentWidth);
      segment.setAttribute("height", barHeight);
      segment.setAttribute("fill", PROGRAM_COLOURS[program] || PROGRAM_COLOURS.null);
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${programName(program)}: ${count}`;
      segment.append(title);
      svg.append(segment);
      x += segmentWidth;
    }
    const total = document.createElementNS(SVG, "text");
    total.setAttribute("x", x + 6);
    total.setAttribute("y", y + barHeight * 0.7);
    total.textContent = item.count;
    svg.append(total);
  });
  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const [program, colour] of Object.entries(PROGRAM_COLOURS)) {
    if (program === "null") continue;
    const entry = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${program}`;
    entry.append(swatch, programName(program));
    legend.append(entry);
  }
  chart.replaceChildren(svg, legend);

  denialTable.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.carc = item.carc;
    cell(row, item.carc);
    cell(row, item.description);
    cell(row, item.count, "num");
    cell(row, Object.entries(item.programs).map(([program, count]) => `${programName(program)}: ${count}`).join(", "));
    denialTable.append(row);
  }
}

async function load() {
  clearErrors(form);
  const query = filters();
  exportLink.href = `/api/v1/verifications?${new URLSearchParams([...query, ["format", "csv"]])}`;
  history.replaceState(null, "", `?${query}`);
  say("Loading…");
  const [list, reasons] = await Promise.all([
    api(`/api/v1/verifications?${new URLSearchParams([...query, ["page", page], ["per_page", PER_PAGE]])}`),
    api(`/api/v1/denial-reasons?${filters(PERIOD)}`),
  ]);
  const failed = [list, reasons].find((answer) => !answer.ok);
  if (failed) {
    say("");
    if (failed.status === 422) showErrors(form, "Some filters need attention", failed.data.error.fields, (path) => form.elements.namedItem(path));
    else showProblem(form, problemText(failed));
    return;
  }
  fillTable(list.data.items);
  drawChart(reasons.data.items);
  const pages = Math.max(1, Math.ceil(list.data.total / PER_PAGE));
  document.getElementById("page-info").textContent = `Page ${page} of ${pages}`;
  document.getElementById("previous-page").disabled = page <= 1;
  document.getElementById("next-page").disabled = page >= pages;
  say(`${list.data.total} verification${list.data.total === 1 ? "" : "s"} match.`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  page = 1;
  load();
});
document.getElementById("previous-page").addEventListener("click", () => { page -= 1; load(); });
document.getElementById("next-page").addEventListener("click", () => { page += 1; load(); });

for (const [name, value] of new URLSearchParams(location.search)) {
  const element = form.elements.namedItem(name);
  if (element) element.value = value;
}
load();
