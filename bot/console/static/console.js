// The console's only script (CSP: script-src 'self'). It adds comfort, never function: every page works without it.
"use strict";

// Ask before an action that cannot be undone (forms marked data-confirm), instead of inline onclick handlers.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Refresh the home page's counts every minute (same-origin JSON; the session cookie goes along).
const counters = document.querySelectorAll("[data-count]");
if (counters.length > 0) {
  window.setInterval(async () => {
    try {
      const reply = await fetch("/console/api/summary", { credentials: "same-origin" });
      if (!reply.ok) return;
      const counts = await reply.json();
      counters.forEach((element) => {
        const value = counts[element.dataset.count];
        if (typeof value === "number") element.textContent = String(value);
      });
    } catch (error) {
      // Offline for a moment: keep the numbers shown and try again at the next tick.
    }
  }, 60000);
}
