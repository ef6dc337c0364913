// Admin area: small progressive enhancements; every screen works without them.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-check-all]");
  if (!all) return;
  const name = all.dataset.checkAll;
  document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});

// "Try it" on a rule: Enter in one of its inputs tries the sample instead of saving the rule.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.target.tagName === "TEXTAREA") return;
  const panel = event.target.closest("#try-it");
  const button = panel && panel.querySelector("button[formaction]");
  if (!button) return;
  event.preventDefault();
  button.click();
});

// Confirmations in a styled <dialog> instead of the browser's confirm(). Without
// JavaScript the forms simply post (each action also says what it did afterwards).
function askToConfirm(question, confirmLabel, onConfirm) {
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
  dialog.querySelector("[data-answer=yes]").textContent = confirmLabel || "Confirm";
  dialog.onclose = () => { if (dialog.returnValue === "yes") onConfirm(); };
  dialog.returnValue = "";
  dialog.showModal();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-confirm]") || form.dataset.confirmed === "yes") return;
  event.preventDefault();
  const submitter = event.submitter;
  askToConfirm(form.dataset.confirm, submitter && submitter.textContent.trim(), () => {
    form.dataset.confirmed = "yes";
    form.requestSubmit(submitter || undefined);
    delete form.dataset.confirmed;
  });
});

// hx-confirm on HTMX forms: the same dialog.
document.addEventListener("htmx:confirm", (event) => {
  if (!event.detail.question) return;
  event.preventDefault();
  const button = event.detail.elt.querySelector("button[type=submit]");
  askToConfirm(event.detail.question, button && button.textContent.trim(), () => event.detail.issueRequest(true));
});
