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
