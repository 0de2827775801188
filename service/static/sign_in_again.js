// When a staff session has ended (signed out elsewhere, idle, expired), sign in again in a dialog on this
// page, so nothing typed is lost; the caller then sends its request again.

let open = null;

function field(id, label, attrs) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const labelElement = document.createElement("label");
  labelElement.htmlFor = id;
  labelElement.textContent = label;
  const input = document.createElement("input");
  input.id = id;
  Object.assign(input, attrs);
  wrap.append(labelElement, input);
  return [wrap, input];
}

function build() {
  const dialog = document.createElement("dialog");
  dialog.id = "sign-in-again";
  dialog.className = "sign-in-again";
  dialog.setAttribute("aria-labelledby", "sign-in-again-heading");
  dialog.setAttribute("aria-describedby", "sign-in-again-why");
  const form = document.createElement("form");
  form.noValidate = true;
  const heading = document.createElement("h2");
  heading.id = "sign-in-again-heading";
  heading.textContent = "Sign in again";
  const why = document.createElement("p");
  why.id = "sign-in-again-why";
  why.textContent = "Your sign-in has ended. Sign in to carry on: what you typed stays on the page and is sent once you are signed in.";
  const problem = document.createElement("p");
  problem.id = "sign-in-again-problem";
  problem.className = "error-summary";
  problem.setAttribute("role", "alert");
  problem.hidden = true;
  const [userField, username] = field("sign-in-again-username", "Username",
    { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: false, required: true });
  const [passwordField, password] = field("sign-in-again-password", "Password",
    { name: "password", type: "password", autocomplete: "current-password", required: true });
  const actions = document.createElement("p");
  actions.className = "actions";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "button-primary";
  submit.textContent = "Sign in";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button-secondary";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", () => dialog.close());
  actions.append(submit, cancel);
  form.append(heading, why, problem, userField, passwordField, actions);
  dialog.append(form);
  document.body.append(dialog);
  return { dialog, form, problem, username, password, submit };
}

const csrfOf = (html) => new DOMParser().parseFromString(html, "text/html").querySelector('meta[name="csrf-token"]');

// The sign-in form's own route, as a browser would post it: a fresh form (and CSRF token) first.
async function signIn(username, password) {
  const blank = await fetch("/login", { credentials: "same-origin" });
  const token = csrfOf(await blank.text());
  const answer = await fetch(`/login?next=${encodeURIComponent(location.pathname)}`, {
    method: "POST",
    credentials: "same-origin",
    body: new URLSearchParams({ username, password, csrf_token: token ? token.content : "" }),
  });
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  if (new URL(answer.url).pathname === "/login") {
    const said = page.querySelector("#sign-in-problem");
    return said ? said.textContent.trim() : "Signing in did not work. Try again.";
  }
  // The new session has its own CSRF token: the page's scripts and forms (Sign out) send it from now on.
  const fresh = page.querySelector('meta[name="csrf-token"]').content;
  document.querySelector('meta[name="csrf-token"]').content = fresh;
  for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.value = fresh;
  return null;
}

function ask() {
  const { dialog, form, problem, username, password, submit } = build();
  const before = document.activeElement;
  return new Promise((resolve) => {
    let signedIn = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!username.value.trim() || !password.value) {
        problem.textContent = "Enter your username and password.";
        problem.hidden = false;
        (username.value.trim() ? password : username).focus();
        return;
      }
      submit.disabled = true;
      let said;
      try {
        said = await signIn(username.value.trim(), password.value);
      } catch {
        said = "The service could not be reached. Check the connection and try again.";
      } finally {
        submit.disabled = false;
      }
      if (said === null) {
        signedIn = true;
        dialog.close();
        return;
      }
      problem.textContent = said;
      problem.hidden = false;
      password.value = "";
      password.focus();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (before && before.isConnected && !before.disabled) before.focus();
      resolve(signedIn);
    });
    dialog.showModal();
    username.focus();
  });
}

// True once signed in again; false if the person closed the dialog. One dialog however many requests wait.
export function signInAgain() {
  open ??= ask().finally(() => {
    open = null;
  });
  return open;
}
