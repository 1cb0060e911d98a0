/* Every page: confirmation before destructive actions and print buttons, without inline
   handlers (the Content-Security-Policy allows no inline script).
   - <form data-confirm="…"> or <button data-confirm="…">: ask before submitting;
     data-confirm-if="field=value" asks only when that field has that value.
   - <button data-print>: print the page. */
document.addEventListener(
  "submit",
  (ev) => {
    const form = ev.target;
    const submitter = ev.submitter;
    const message =
      (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!message) return;
    const condition = form.getAttribute("data-confirm-if");
    if (condition) {
      const [name, value] = condition.split("=");
      const field = form.elements.namedItem(name);
      if (!field || field.value !== value) return;
    }
    if (!window.confirm(message)) ev.preventDefault();
  },
  true,
);

document.addEventListener("click", (ev) => {
  const button = ev.target.closest("[data-print]");
  if (button) window.print();
});
