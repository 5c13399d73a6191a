// Runs before the page is drawn (not deferred): styles for JavaScript apply from the first paint, no flash.
document.documentElement.classList.add("js");
