// The contents button: on a narrow screen the sidebar (chapters, search) folds behind it.
// Without JavaScript the button stays hidden and the sidebar stays open.
(function () {
  var button = document.querySelector(".nav-toggle");
  var sidebar = document.getElementById("book-sidebar");
  if (!button || !sidebar) return;
  document.documentElement.classList.add("has-nav-toggle");
  button.hidden = false;
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    sidebar.classList.toggle("is-open", open);
  }
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();

// Client-side search over window.BOOK_SEARCH (written by the renderer as search-index.js).
(function () {
  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var entries = window.BOOK_SEARCH || [];
  if (!box || !list) return;
  var root = document.body.getAttribute("data-root") || "";

  function snippet(text, terms) {
    var lower = text.toLowerCase();
    var at = lower.indexOf(terms[0]);
    var start = Math.max(0, at - 60);
    return (start > 0 ? "\u2026" : "") + text.slice(start, start + 160) + "\u2026";
  }

  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    return entries.map(function (entry) {
      var title = entry.title.toLowerCase(), text = entry.text.toLowerCase();
      var score = 0;
      for (var i = 0; i < terms.length; i++) {
        var inTitle = title.indexOf(terms[i]) >= 0, inText = text.indexOf(terms[i]) >= 0;
        if (!inTitle && !inText) return null;
        score += (inTitle ? 5 : 0) + (inText ? 1 : 0);
      }
      return {entry: entry, score: score};
    }).filter(Boolean).sort(function (a, b) { return b.score - a.score; }).slice(0, 12);
  }

  box.addEventListener("input", function () {
    list.innerHTML = "";
    var query = box.value.trim();
    var results = search(query);
    if (query && !results.length) {
      var none = document.createElement("li");
      none.textContent = "No results";
      list.appendChild(none);
    }
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      var entry = result.entry;
      link.href = root + entry.page + (entry.anchor ? "#" + entry.anchor : "");
      link.textContent = entry.title === entry.chapter ? entry.title : entry.chapter + ": " + entry.title;
      var text = document.createElement("span");
      text.textContent = snippet(entry.text, query.toLowerCase().split(/\s+/));
      item.appendChild(link);
      item.appendChild(text);
      list.appendChild(item);
    });
  });
})();
