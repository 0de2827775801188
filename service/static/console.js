// Shared by the console's pages: calling the API with the staff session, and showing its field errors.

import { signInAgain } from "./sign_in_again.js";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;
// No answer in this long and the request is given up as unreachable (a POST waits up to ?wait= seconds).
const TIMEOUT_SECONDS = 45;
// What `api` and `page` answer when nothing came back: no answer, the network down, or no answer in time.
const UNREACHABLE = { status: 0, ok: false, data: null, text: "", headers: new Headers() };

async function send(path, init) {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), TIMEOUT_SECONDS * 1000);
  try {
    return await fetch(path, { ...init, credentials: "same-origin", signal: timeout.signal });
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function callApi(path, method, body, contentType) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  const response = await send(path, { method, headers, body: payload });
  if (response === null) return UNREACHABLE;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data, headers: response.headers };
}

// The API with the session cookie (never a key); unsafe methods carry the page's CSRF token. A session that
// has ended asks the person to sign in again on the page, then sends the request once more.
export async function api(path, { method = "GET", body, contentType = "application/json" } = {}) {
  const answer = await callApi(path, method, body, contentType);
  if (answer.status === 401 && (await signInAgain())) return callApi(path, method, body, contentType);
  return answer;
}

async function callPage(path) {
  // Not followed: a page answers a session that has ended with a redirect to the sign-in form.
  const response = await send(path, { redirect: "manual" });
  if (response === null) return UNREACHABLE;
  if (response.type === "opaqueredirect") return { ...UNREACHABLE, status: 401 };
  return { status: response.status, ok: response.ok, text: await response.text(), data: null };
}

// A console page's HTML (a result fragment, say), with the same second chance as `api`.
export async function page(path) {
  const answer = await callPage(path);
  if (answer.status === 401 && (await signInAgain())) return callPage(path);
  return answer;
}

export function say(text) {
  document.getElementById("status").textContent = text;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What to tell a person when the API says no for a reason other than their input.
export function problemText(result) {
  if (result.status === 0) return "The service could not be reached. Check the connection and try again: what you typed is still here.";
  if (result.status >= 500) return "The service is not working right now. Try again in a minute: what you typed is still here.";
  if (result.status === 401) return "Your sign-in has ended. Sign in again (your entries stay on this page until you leave it).";
  if (result.status === 403) return (result.data && result.data.error && result.data.error.message) || "Your account cannot do this.";
  if (result.data && result.data.error) return result.data.error.message;
  return `The service answered ${result.status}. Try again in a moment.`;
}

function labelOf(element) {
  return element.labels && element.labels.length ? element.labels[0].textContent.trim() : element.name;
}

export function clearErrors(form) {
  for (const message of form.querySelectorAll(".field-error")) message.remove();
  for (const element of form.querySelectorAll("[aria-invalid]")) {
    element.removeAttribute("aria-invalid");
    const describedBy = (element.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.endsWith("-error"));
    if (describedBy.length) element.setAttribute("aria-describedby", describedBy.join(" "));
    else element.removeAttribute("aria-describedby");
  }
  for (const field of form.querySelectorAll(".field-invalid")) field.classList.remove("field-invalid");
  const summary = form.querySelector("#form-errors");
  summary.hidden = true;
  summary.replaceChildren();
}

// Each message next to its field (found by `locate(path)`), and all of them in a summary at the top.
export function showErrors(form, message, fields, locate) {
  const summary = form.querySelector("#form-errors");
  const heading = document.createElement("h2");
  heading.textContent = message;
  const list = document.createElement("ul");
  for (const [path, messages] of Object.entries(fields || {})) {
    const text = messages.join(" ");
    const element = locate(path);
    const item = document.createElement("li");
    const existing = element && element.id && document.getElementById(`${element.id}-error`);
    if (existing) {
      existing.textContent += ` ${text}`;
      continue;
    }
    if (element && element.id) {
      const note = document.createElement("p");
      note.className = "field-error";
      note.id = `${element.id}-error`;
      note.textContent = text;
      const field = element.closest(".field") || element.parentElement;
      field.classList.add("field-invalid");
      field.append(note);
      element.setAttribute("aria-invalid", "true");
      const describedBy = (element.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      element.setAttribute("aria-describedby", [...describedBy, note.id].join(" "));
      const link = document.createElement("a");
      link.href = `#${element.id}`;
      link.textContent = `${labelOf(element)}: ${text}`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        element.focus();
      });
      item.append(link);
    } else {
      item.textContent = `${path.split(".").pop().replaceAll("_", " ")}: ${text}`;
    }
    list.append(item);
  }
  summary.replaceChildren(heading, list);
  summary.hidden = false;
  summary.focus();
}

// A request that could not be done (not a problem with an entry): said beside the button that sent it, in
// the alert the page keeps there (<p id="<button id>-problem" role="alert">); empty text clears it.
export function showFailure(button, text) {
  document.getElementById(`${button.id}-problem`).textContent = text;
}

// A problem that belongs to no field: shown in the summary alone.
export function showProblem(form, text) {
  showErrors(form, text, {}, () => null);
}

// Ticks on a result's checklists are kept in this browser by verification id (no patient data), so the
// print view, a reload or a second look shows them as they were left.
const TICKS = "bv-ticks:";

export function keepTicks(container, id) {
  const boxes = () => [...container.querySelectorAll("[data-tick]")];
  const ticked = new Set(JSON.parse(localStorage.getItem(TICKS + id) || "[]"));
  for (const box of boxes()) {
    box.checked = ticked.has(box.dataset.tick);
    box.addEventListener("change", () => {
      localStorage.setItem(TICKS + id, JSON.stringify(boxes().filter((b) => b.checked).map((b) => b.dataset.tick)));
    });
  }
}
