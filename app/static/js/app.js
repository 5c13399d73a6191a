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

  // A table wider than the screen scrolls in its own box: the box takes the keyboard focus (arrow keys scroll it)
  // and is named after its table, for people who cannot use a pointer.
  function keyboardScrollable(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption && caption.textContent.trim()) || "Table (scrolls sideways)");
      }
    });
  }
  keyboardScrollable(document);
  document.addEventListener("htmx:afterSettle", function (event) { keyboardScrollable(event.detail.elt || document); });
  window.addEventListener("resize", function () { keyboardScrollable(document); });

  // Focus goes where the person is working. A form sent back with errors: its first error summary, else its first
  // field in error (on a page, and in a part HTMX swapped).
  function focusFirstProblem(root) {
    var target = root.querySelector(".form-error[role=alert], [aria-invalid=true]");
    if (!target) { return false; }
    if (!target.matches("input, select, textarea, button, a[href]")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
    return true;
  }
  focusFirstProblem(document);

  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 200;
    if (status === 422 && focusFirstProblem(event.detail.target)) { return; }
    // An approval decided in the inbox: on to the next row's Open link.
    var target = event.detail.target;
    var verb = event.detail.requestConfig ? event.detail.requestConfig.verb : "";
    if (verb === "post" && status === 200 && target.id && target.id.indexOf("detail-") === 0) {
      var row = target.closest("tr");
      var next = row && row.nextElementSibling;
      while (next && next.classList.contains("detail-row")) { next = next.nextElementSibling; }
      var open = next && next.querySelector("a[aria-controls^='detail-']");
      if (open) { open.focus(); }
    }
  });

  // Escape closes an inline editor: what its Cancel button asks (the field put back, and focus on its Edit link).
  // Asked through htmx.ajax, not a click: the field has focus as soon as the editor is swapped in, a moment
  // before htmx has wired up the buttons that came with it, and an Escape in that moment would click nothing.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var editor = event.target.closest && event.target.closest(".inline-edit");
    var cancel = editor && editor.querySelector("button[type=button][data-hx-get]");
    if (!cancel) { return; }
    event.preventDefault();
    htmx.ajax("GET", cancel.getAttribute("data-hx-get"), {
      source: cancel, target: editor.closest(".field-row"), swap: "outerHTML"
    });
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
