// Progressive enhancement of /timeline/: months collapse and expand; the page works the same without it.
(function () {
  "use strict";
  document.querySelectorAll(".timeline-month > h3").forEach(function (heading) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "timeline-toggle";
    button.setAttribute("aria-expanded", "true");
    button.textContent = heading.textContent;
    heading.textContent = "";
    heading.appendChild(button);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      heading.parentElement.querySelectorAll(".timeline-event").forEach(function (el) {
        el.hidden = open;
      });
    });
  });
})();
