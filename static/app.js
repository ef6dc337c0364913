// Loyalty Portal: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // Copy buttons: shown only when JavaScript runs; fall back to selecting the code.
  function showCopyButtons(root) {
    root.querySelectorAll("[data-copy][hidden]").forEach((button) => { button.hidden = false; });
  }

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const code = button.parentElement.querySelector(".coupon-code");
    const done = () => {
      const before = button.textContent;
      button.textContent = "Copied";
      announce("Code copied.");
      setTimeout(() => { button.textContent = before; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(button.dataset.copy).then(done, () => code && selectText(code));
    } else if (code) {
      selectText(code);
    }
  });

  function announce(text) {
    const region = document.getElementById("announcer");
    if (region) region.textContent = text;
  }

  // An error shows where the member tapped (the card or form holding `near`), else at the
  // top; `link` (from the server's answer) is e.g. "Log in again".
  function showError(text, near, link) {
    const message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.dataset.testid = "flash";
    message.textContent = text;
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = link.getAttribute("href");
      anchor.textContent = link.textContent;
      message.append(" ", anchor);
    }
    const holder = near && near.closest ? near.closest("article, form, section") : null;
    if (holder && document.body.contains(holder)) {
      holder.querySelectorAll(".client-alert").forEach((old) => old.remove());
      message.classList.add("card-alert", "client-alert");
      (holder.querySelector(".offer-body") || holder).append(message);
      message.scrollIntoView({ block: "nearest" });
      return;
    }
    const flashes = document.getElementById("flashes");
    if (flashes) flashes.replaceChildren(message);
  }

  document.addEventListener("DOMContentLoaded", () => {
    showCopyButtons(document);
    if (!window.htmx) return;

    // New content: reveal its copy buttons. (htmx itself focuses [autofocus] in a swap.)
    document.body.addEventListener("htmx:load", (event) => {
      if (event.detail.elt !== document.body) showCopyButtons(event.detail.elt.parentElement || event.detail.elt);
    });

    // htmx 2 does not swap 4xx/5xx answers: say what went wrong instead of doing nothing.
    document.body.addEventListener("htmx:responseError", (event) => {
      const html = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
      const server = html.querySelector("[data-testid=flash], .error-page p");
      const link = server && server.hasAttribute("data-session-ended") ? server.querySelector("a") : null;
      if (link) link.remove();
      showError(server ? server.textContent.trim()
        : "Something went wrong (error " + event.detail.xhr.status + "). Please reload the page.",
        event.detail.elt, link);
    });
    document.body.addEventListener("htmx:sendError", (event) => {
      showError("We could not reach the server. Check your connection and try again.", event.detail.elt);
    });
  });
})();

// Reward images that fail to load give way to the card's initial (no inline onerror=, so
// a CSP without 'unsafe-inline' holds). `error` does not bubble: listen in the capture phase,
// and check images that failed before this script ran.
(function () {
  "use strict";

  function usePlaceholder(img) {
    const frame = img.parentElement;
    const initial = frame && frame.querySelector(".offer-initial");
    img.remove();
    if (initial) initial.hidden = false;
    if (frame) frame.classList.add("image-failed");
  }

  document.addEventListener("error", (event) => {
    const img = event.target;
    if (img instanceof HTMLImageElement && img.hasAttribute("data-placeholder-on-error")) usePlaceholder(img);
  }, true);

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("img[data-placeholder-on-error]").forEach((img) => {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) usePlaceholder(img);
    });
  });
})();

// Confirmations in a styled <dialog> instead of the browser's confirm(), in the portal
// (hx-confirm on the redeem card) and the admin area (data-confirm forms) alike. Without
// JavaScript the forms simply post (each action also says what it did afterwards).
function askToConfirm(question, submitter, onConfirm) {
  let dialog = document.getElementById("confirm-dialog");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    dialog.innerHTML = '<article><p id="confirm-question"></p><footer>'
      + '<button type="button" class="secondary" data-answer="no">Keep it</button>'
      + '<button type="button" class="danger" data-answer="yes"></button></footer></article>';
    document.body.append(dialog);
    dialog.addEventListener("click", (event) => {
      const answer = event.target.closest("[data-answer]");
      if (answer) dialog.close(answer.dataset.answer);
      else if (event.target === dialog) dialog.close("no");  // a click on the backdrop
    });
  }
  dialog.querySelector("#confirm-question").textContent = question;
  const yes = dialog.querySelector("[data-answer=yes]");
  yes.textContent = (submitter && submitter.textContent.trim()) || "Confirm";
  // a destructive action's button stays red; any other (a redemption) is the plain one
  yes.className = submitter && submitter.classList.contains("danger") ? "danger" : "";
  dialog.onclose = () => { if (dialog.returnValue === "yes") onConfirm(); };
  dialog.returnValue = "";
  dialog.showModal();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-confirm]") || form.dataset.confirmed === "yes") return;
  event.preventDefault();
  const submitter = event.submitter;
  askToConfirm(form.dataset.confirm, submitter, () => {
    form.dataset.confirmed = "yes";
    form.requestSubmit(submitter || undefined);
    delete form.dataset.confirmed;
  });
});

// hx-confirm on HTMX forms: the same dialog.
document.addEventListener("htmx:confirm", (event) => {
  if (!event.detail.question) return;
  event.preventDefault();
  const elt = event.detail.elt;
  const button = elt.matches("button") ? elt : elt.querySelector("button[type=submit]");
  askToConfirm(event.detail.question, button, () => event.detail.issueRequest(true));
});
