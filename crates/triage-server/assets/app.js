// Triage console: the only script. Pages work without it; with it, times show in the
// reader's time zone (UTC stays on hover) and live pages follow changes as they happen.
(function () {
  "use strict";

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      if (el.dataset.age !== undefined) return; // ages stay ages
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = when.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
      });
    });
  }

  // Someone is typing or has chosen something: do not pull the page from under them.
  function editing(main) {
    var active = document.activeElement;
    if (active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    return Array.prototype.some.call(main.querySelectorAll("textarea, input[type=text]"), function (f) {
      return f.value.trim() !== "";
    });
  }

  function notice(main) {
    if (document.getElementById("live-notice")) return;
    var p = document.createElement("p");
    p.id = "live-notice";
    p.className = "notice";
    p.setAttribute("role", "status");
    p.innerHTML = 'This page changed since you opened it. <a href="">Reload</a> to see the change.';
    main.insertBefore(p, main.firstChild);
  }

  function follow() {
    var main = document.getElementById("main");
    var live = main && main.dataset.live;
    if (!live || !window.EventSource) return;
    var source = new EventSource(live + "?since=" + encodeURIComponent(main.dataset.mark));
    source.addEventListener("changed", function () {
      if (editing(main)) { notice(main); return; }
      source.close();
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html").getElementById("main");
          if (!next) return;
          main.innerHTML = next.innerHTML;
          main.dataset.mark = next.dataset.mark;
          localTimes(main);
          follow();
        });
    });
  }

  // Keys, addresses and example configurations get a Copy button.
  function copyButtons(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]").forEach(function (el) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(el.textContent).then(function () { button.textContent = "Copied"; });
      });
      el.insertAdjacentElement("afterend", button);
    });
  }

  localTimes(document);
  copyButtons(document);
  follow();
})();
