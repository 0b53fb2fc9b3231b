// Acorn monitor: confirmation for actions and keyboard shortcuts. No external code.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});
document.addEventListener("keydown", function (event) {
  var tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select") { return; }
  if (event.key === "/") {
    var box = document.getElementById("q");
    if (box) { event.preventDefault(); box.focus(); }
  } else if (event.key === "g") {
    window.location.href = "/";
  }
});
