// The payer's 271 on the intake form: pasted, or read from a file into the same box, then shown in words.
// The box is a field of the form (coverage.eligibility_271), so the check sends the 271 with the rest.
import { api, problemText } from "./console.js";

const form = document.getElementById("verification-form");
const box = document.getElementById("coverage-eligibility_271");
const file = document.getElementById("eligibility-271-file");
const summary = document.getElementById("eligibility-271-summary");
const FIGURES = [
  ["deductible", "Deductible"], ["deductible_met", "Deductible met"], ["copay", "Copay"],
  ["coinsurance_percent", "Coinsurance"], ["out_of_pocket_max", "Out-of-pocket maximum"],
  ["out_of_pocket_met", "Out-of-pocket met"],
];
let asked = 0;
let timer = null;

const usDate = (iso) => (iso ? iso.replace(/^(\d{4})-(\d{2})-(\d{2}).*$/, "$2/$3/$1") : "");
const dollars = (value) => `$${Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function element(tag, text, className) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  return made;
}

function clearError() {
  document.getElementById(`${box.id}-error`)?.remove();
  box.removeAttribute("aria-invalid");
  box.setAttribute("aria-describedby", `${box.id}-hint`);
  box.closest(".field").classList.remove("field-invalid");
}

function showError(text) {
  clearError();
  const note = element("p", text, "field-error");
  note.id = `${box.id}-error`;
  box.closest(".field").classList.add("field-invalid");
  box.closest(".field").append(note);
  box.setAttribute("aria-invalid", "true");
  box.setAttribute("aria-describedby", `${box.id}-hint ${note.id}`);
}

// The reader's finding in everyday words; its own words follow for whoever asks the clearinghouse.
function unreadable(messages) {
  const said = messages.join(" ");
  if (/must start with an ISA|interchange header/.test(said)) {
    return "This is not a 271: a payer's 271 starts with ISA. Paste the whole eligibility response, or choose its file.";
  }
  if (/999|acknowledg/i.test(said)) return `This is not a 271. ${said}`;
  return `This 271 could not be read: it may be cut short or changed on the way. Paste the whole response again, or choose its file. (The reader says: ${said})`;
}

function status(found) {
  const plan = found.plan || {};
  const span = plan.begin || plan.end ? ` (plan ${plan.begin ? `from ${usDate(plan.begin)}` : ""}${plan.end ? ` to ${usDate(plan.end)}` : ""})` : "";
  if (found.status === "active") return [`Coverage active${span}`, "active"];
  if (found.status === "inactive") return [`Coverage not active${span}`, "inactive"];
  if (found.status === "rejected") return ["The payer rejected the inquiry: no answer on coverage", "rejected"];
  return ["The 271 does not say whether the coverage is active", "unknown"];
}

function fact(list, term, value) {
  if (!value) return;
  list.append(element("dt", term), element("dd", value));
}

function person(member) {
  const name = [member.first_name, member.middle_name, member.last_name].filter(Boolean).join(" ");
  return [name, member.member_id && `member ID ${member.member_id}`, member.birth_date && `born ${usDate(member.birth_date)}`]
    .filter(Boolean).join(", ");
}

function show(view) {
  const found = view.summary;
  const [words, kind] = status(found);
  const heading = element("h2", "What the 271 says", "eligibility-271-heading");
  const line = element("p", words, `eligibility-271-status eligibility-271-${kind}`);
  line.id = "eligibility-271-status";
  const facts = element("dl", undefined, "facts");
  facts.id = "eligibility-271-facts";
  const payer = found.payer || {};
  fact(facts, "Payer", [payer.name, payer.id && `(payer ID ${payer.id})`].filter(Boolean).join(" "));
  for (const subscriber of view.subscribers) {
    fact(facts, "Subscriber", person(subscriber));
    for (const dependent of subscriber.dependents || []) fact(facts, "Dependent", person(dependent));
  }
  const plan = found.plan || {};
  fact(facts, "Plan", [plan.name, plan.insurance_type_name].filter(Boolean).join(" · "));
  const network = { in_network: " (in network)", out_of_network: " (out of network)" }[found.network_basis] || "";
  for (const [name, label] of FIGURES) {
    const figure = (found.figures || {})[name];
    if (figure) fact(facts, label + network, name === "coinsurance_percent" ? `${Number(figure.value)}%` : dollars(figure.value));
  }
  const parts = [heading, line, facts];
  if (found.rejections.length) {
    const notice = element("div", undefined, "notice notice-warning");
    notice.id = "eligibility-271-rejections";
    for (const rejection of found.rejections) {
      const said = element("p");
      said.append(element("strong", "The payer rejected the inquiry: "), `${rejection.meaning}.`);
      notice.append(said, element("p", `What to do: ${rejection.action}`));
    }
    parts.push(notice);
  }
  const warnings = [...new Set([...(view.warnings || []), ...(found.warnings || [])])];
  if (warnings.length) {
    const details = element("details");
    details.id = "eligibility-271-warnings";
    details.append(element("summary", `The 271 reads, with ${warnings.length} thing${warnings.length === 1 ? "" : "s"} not as the standard says`));
    const list = element("ul", undefined, "small");
    for (const warning of warnings) list.append(element("li", warning));
    details.append(list);
    parts.push(details);
  }
  summary.replaceChildren(...parts);
  summary.hidden = false;
}

async function read() {
  const text = box.value.trim();
  const mine = ++asked;
  clearError();
  if (!text) {
    summary.replaceChildren();
    summary.hidden = true;
    return;
  }
  const network = form.elements.namedItem("coverage.network_status").value;
  let answer;
  try {
    answer = await api(`/api/v1/eligibility/271?network_status=${encodeURIComponent(network)}`, { method: "POST", body: { x12: text } });
  } catch {
    answer = null;
  }
  if (mine !== asked) return; // a newer paste is being read
  if (answer && answer.ok) {
    show(answer.data);
    return;
  }
  summary.replaceChildren();
  summary.hidden = true;
  const fields = answer && answer.data && answer.data.error && answer.data.error.fields;
  if (answer && [400, 422].includes(answer.status) && fields) showError(unreadable(Object.values(fields).flat()));
  else showError(answer ? problemText(answer) : "The 271 could not be read: the service did not answer. Try again in a moment.");
}

box.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(read, 300);
});

file.addEventListener("change", async () => {
  const chosen = file.files[0];
  if (!chosen) return;
  box.value = await chosen.text();
  read();
});

// Whose figures to show follows the form's network status.
form.elements.namedItem("coverage.network_status").addEventListener("change", () => {
  if (box.value.trim()) read();
});

form.addEventListener("reset", () => {
  asked += 1;
  clearError();
  summary.replaceChildren();
  summary.hidden = true;
});
