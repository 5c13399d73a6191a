// Dialtone's small amount of JavaScript: CSRF for HTMX, form errors that swap, toasts. No inline scripts.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The Menu button of a narrow screen opens and closes the navigation (Escape closes it, back to the button).
  var toggle = document.querySelector(".nav-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.click();
        toggle.focus();
      }
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // htmx 2 does not swap 4xx answers by default; a 422 carries the form with its errors, so swap it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 || event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Secrets shown on purpose (a port's PIN) hide again after their time; without JavaScript the page reloads.
  document.querySelectorAll("[data-hide-after]").forEach(function (element) {
    setTimeout(function () {
      var note = document.createElement("p");
      note.textContent = "Hidden again. Reveal them again if you still need them.";
      element.replaceWith(note);
    }, Number(element.getAttribute("data-hide-after")) * 1000);
  });

  function showToast(category, message) {
    var region = document.getElementById("toasts");
    if (!region) { return; }
    var toast = document.createElement("p");
    toast.className = "toast toast-" + category;
    toast.setAttribute("role", category === "error" ? "alert" : "status");
    toast.textContent = message;
    region.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 6000);
  }

  // Flash messages on HTMX answers arrive as an HX-Trigger "toast" event, which bubbles to the document.
  document.addEventListener("toast", function (event) {
    var items = (event.detail && event.detail.value) || [];
    items.forEach(function (item) { showToast(item.category, item.message); });
  });
})();
