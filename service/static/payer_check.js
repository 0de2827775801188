// "Check with payer" on a result (intake and billing): ask the payer through the clearinghouse, follow the check
// while it is pending (one asked automatically with the verification too), then show the result again, which
// now holds the payer's answer and the rules' answer on it.

import { api, problemText, sleep } from "./console.js";

const POLL_MS = 1000;
const WAIT_SECONDS = 10;
const following = new WeakSet();

function statusLine(section) {
  return section.querySelector("#payer-check-status");
}

// The result section again, as the server renders it now.
async function refresh(section) {
  const old = section.closest("section.result");
  const response = await fetch(`/intake/verifications/${old.dataset.verification}/result`, { credentials: "same-origin" });
  if (!response.ok) {
    statusLine(section).textContent = "The payer's answer is in; reload the page to see it.";
    return;
  }
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const fresh = holder.querySelector("section.result");
  if (fresh) old.replaceWith(fresh);
}

function follow(section) {
  if (following.has(section)) return;
  following.add(section);
  poll(section);
}

async function poll(section) {
  for (;;) {
    const polled = await api(section.dataset.checkUrl);
    if (!polled.ok) {
      statusLine(section).textContent = problemText(polled);
      return;
    }
    const check = polled.data.eligibility_check;
    if (check.status !== "pending") {
      await refresh(section);
      return;
    }
    statusLine(section).textContent = `Asking the payer…${check.note ? ` ${check.note}` : ""}`;
    await sleep(POLL_MS);
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("#check-with-payer");
  if (!button) return;
  const section = button.closest("#payer-check");
  following.add(section); // followed from here, not by the timer below
  button.disabled = true;
  statusLine(section).textContent = "Asking the payer…";
  const answer = await api(`${section.dataset.checkUrl}?wait=${WAIT_SECONDS}`, { method: "POST" });
  if (answer.status !== 200 && answer.status !== 202) {
    statusLine(section).textContent = problemText(answer);
    button.disabled = false;
    following.delete(section);
    return;
  }
  if (answer.data.eligibility_check.status === "pending") await poll(section);
  else await refresh(section);
});

// A check under way when the result was shown (asked with the verification): follow it to its answer.
setInterval(() => {
  for (const section of document.querySelectorAll('#payer-check[data-check-status="pending"]')) follow(section);
}, POLL_MS);
