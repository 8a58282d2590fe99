(function () {
  "use strict";
  // Sorting by clicking a header. Without this script the rows keep their
  // server-side order (best return first).
  function value(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-v") || "") : "";
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, "ja");
  }
  function sortBy(table, th, index) {
    var current = th.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : th.getAttribute("data-first") === "desc";
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) { heads[h].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (ra, rb) {
      var a = value(ra, index), b = value(rb, index);
      if (a === "" || b === "") { return (a === "") - (b === ""); }  // missing values last
      var order = compare(a, b);
      return descending ? -order : order;
    });
    for (var r = 0; r < rows.length; r++) { body.appendChild(rows[r]); }
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var heads = table.tHead.rows[0].cells;
      for (var i = 0; i < heads.length; i++) {
        (function (th, index) {
          if (!th.hasAttribute("data-first")) { return; }
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = th.textContent;
          button.title = "クリックで並べ替え";
          th.textContent = "";
          th.appendChild(button);
          button.addEventListener("click", function () { sortBy(table, th, index); });
        })(heads[i], i);
      }
    })(tables[t]);
  }
})();
