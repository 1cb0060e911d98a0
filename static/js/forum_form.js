/* Live Markdown preview: the server renders with the same sanitiser as the published page. */
(function () {
  "use strict";
  var area = document.querySelector("textarea[data-preview]");
  if (!area) return;
  var out = document.getElementById(area.getAttribute("data-preview"));
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timer = null;
  function render() {
    var body = new FormData();
    body.append("text", area.value);
    fetch(out.getAttribute("data-url"), { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { out.innerHTML = html; });  // sanitised by nh3 on the server
  }
  area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 300); });
  if (area.value) render();
})();
