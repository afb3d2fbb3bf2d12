/* negsim classroom: the pages' small script (no library, nothing loaded from elsewhere).
   Live parts (elements with data-live) are fetched again when the server's event stream
   (data-events on <body>) says something changed; if the stream fails, every 3 s instead. */
(function () {
  "use strict";
  var body = document.body;
  var kind = body.dataset.page;
  var key = body.dataset.key || "";

  function withKey(url) {
    if (!key) return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "key=" + encodeURIComponent(key);
  }

  function showError(message) {
    var el = document.getElementById("error");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  function post(url, data) {
    var headers = { "Content-Type": "application/json" };
    if (key) headers["X-Teacher-Key"] = key;
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(data || {}) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) { showError(j.error || ("the server answered " + r.status)); return null; }
          showError("");
          return j;
        });
      })
      .catch(function () { showError("the server cannot be reached; try again"); return null; });
  }

  function refresh(el) {
    return fetch(withKey(el.dataset.live)).then(function (r) {
      if (r.ok) return r.text().then(function (html) { el.innerHTML = html; });
    }).catch(function () {});
  }

  function editing(el) {
    var a = document.activeElement;
    return a && el.contains(a) && (a.tagName === "INPUT" || a.tagName === "SELECT");
  }

  function refreshAll(force) {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      if (force || !editing(el)) refresh(el);
    });
  }

  function live() {
    if (!body.dataset.events) return;
    var timer = null;
    function poll() { if (!timer) timer = setInterval(function () { refreshAll(false); }, 3000); }
    if (!window.EventSource) { poll(); return; }
    var source = new EventSource(withKey(body.dataset.events));
    source.addEventListener("state", function () { refreshAll(false); });
    source.onopen = function () { if (timer) { clearInterval(timer); timer = null; } };
    source.onerror = function () { poll(); };  /* the browser reconnects by itself meanwhile */
  }

  function formData(form) {
    var data = {};
    form.querySelectorAll("input, select").forEach(function (el) {
      if (!el.name) return;
      var value;
      if (el.type === "checkbox") value = el.checked;
      else if (el.type === "number" || el.type === "range") value = Number(el.value);
      else value = el.value;
      if (el.name.indexOf("knobs.") === 0) {
        data.knobs = data.knobs || {};
        data.knobs[el.name.slice(6)] = value;
      } else {
        data[el.name] = value;
      }
    });
    return data;
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button");
    if (!button) return;
    if (button.dataset.move) {
      ev.preventDefault();  /* the form posts the move without the script; with it, no page reload */
      document.querySelectorAll("button.move").forEach(function (b) { b.disabled = true; });
      post(body.dataset.moves, JSON.parse(button.dataset.move)).then(function () { refreshAll(true); });
    } else if (button.dataset.post) {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      button.disabled = true;
      post(button.dataset.post, {}).then(function () { refreshAll(true); });
    }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (kind === "join") {
      ev.preventDefault();
      post("/join", formData(form)).then(function (j) { if (j) window.location.href = j.url; });
    } else if (form.dataset.action) {
      ev.preventDefault();
      post(form.dataset.action, formData(form)).then(function (j) {
        if (!j) return;
        if (form.dataset.action === "/rooms") {
          window.location.href = "/?key=" + encodeURIComponent(key) + "&room=" + encodeURIComponent(j.room);
        } else {
          refreshAll(true);
        }
      });
    }
  });

  if (kind === "explorer") {
    var form = document.getElementById("explorer");
    var pending = null;
    var update = function () {
      var params = new URLSearchParams();
      form.querySelectorAll("input, select").forEach(function (el) { params.set(el.name, el.value); });
      form.querySelectorAll("input[type=range]").forEach(function (el) {
        var out = document.getElementById("out-" + el.name);
        if (out) out.textContent = el.value;
      });
      fetch(body.dataset.view + "?" + params.toString()).then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) { showError(j.error || ("the server answered " + r.status)); return; }
          showError("");
          Object.keys(j).forEach(function (part) {
            var el = document.getElementById(part);
            if (el) el.innerHTML = j[part];
          });
        });
      }).catch(function () { showError("the server cannot be reached"); });
    };
    form.addEventListener("input", function (ev) {
      if (ev.target.name === "scenario") return;
      if (pending) clearTimeout(pending);
      pending = setTimeout(update, 120);
    });
    form.addEventListener("change", function (ev) {
      if (ev.target.name === "scenario") window.location.href = "/explorer?scenario=" + encodeURIComponent(ev.target.value);
    });
  }

  live();
})();
