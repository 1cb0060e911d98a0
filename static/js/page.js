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

/* The phone menu (≤ 480 px, templates/base.html)：菜单 opens the full-width list of every link,
   关闭 or Escape closes it and gives the focus back to 菜单. Without script the same links work
   through #site-nav (:target in app.css). */
const menuButton = document.getElementById("menu-toggle");
const menu = document.getElementById("site-nav");
if (menuButton && menu) {
  const closer = menu.querySelector(".menu-close");
  for (const b of [menuButton, closer]) b && b.setAttribute("role", "button");
  const setOpen = (open, focusBack) => {
    menu.classList.toggle("open", open);
    menuButton.setAttribute("aria-expanded", String(open));
    if (open) (closer || menu).focus();
    else if (focusBack) menuButton.focus();
  };
  if (window.location.hash === "#site-nav") {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    setOpen(true);
  }
  menuButton.addEventListener("click", (ev) => {
    ev.preventDefault();
    setOpen(!menu.classList.contains("open"));
  });
  closer &&
    closer.addEventListener("click", (ev) => {
      ev.preventDefault();
      setOpen(false, true);
    });
  // Links with role="button" answer the space bar as buttons do.
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && menu.classList.contains("open")) setOpen(false, true);
    if (ev.key === " " && (ev.target === menuButton || ev.target === closer)) {
      ev.preventDefault();
      ev.target.click();
    }
  });
}

/* The service worker (static/js/sw.js, served at /sw.js): keeps the shell and shows the offline
   page when a page cannot be loaded. Pages and data always come from the network. */
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
