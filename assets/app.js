// RinglyPro dashboard: small progressive enhancements. Every page works
// without this file; it adds the CSRF header to htmx requests, registers the
// service worker, fills the browser's time zone, asks before destructive
// actions, shows upload progress, and gives the test call a microphone and a
// voice where the browser has them. No inline script anywhere (strict CSP).
(function () {
  "use strict";
  // Count CSP refusals (there should be none; the browser tests check).
  window.__cspViolations = 0;
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__cspViolations++;
    if (window.console) console.error("CSP refused", e.violatedDirective, e.blockedURI);
  });
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  document.addEventListener("htmx:configRequest", function (e) {
    if (csrf) e.detail.headers["X-CSRF-Token"] = csrf;
  });

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch(function () {});
    });
  }

  function init(root) {
    // The browser's own time zone for fields that ask for one and are empty.
    root.querySelectorAll("input[data-browser-tz]").forEach(function (el) {
      if (el.value) return;
      try {
        el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (err) {}
    });
    // Speech recognition, where the browser has it.
    var SR = window.SpeechRecognition || window.webkitSpeechRecognition;
    root.querySelectorAll("[data-mic]").forEach(function (btn) {
      if (!SR) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var input = document.getElementById(btn.getAttribute("data-mic"));
        if (!input) return;
        var rec = new SR();
        rec.lang = btn.getAttribute("data-lang") || "en-US";
        rec.interimResults = false;
        btn.setAttribute("aria-pressed", "true");
        rec.onresult = function (ev) {
          input.value = ev.results[0][0].transcript;
          if (input.form) input.form.requestSubmit();
        };
        rec.onend = function () {
          btn.setAttribute("aria-pressed", "false");
        };
        rec.start();
      });
    });
    root.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.hidden = !navigator.clipboard;
      btn.addEventListener("click", function () {
        var src = document.getElementById(btn.getAttribute("data-copy"));
        if (src && navigator.clipboard) {
          navigator.clipboard.writeText(src.value || src.textContent || "");
          btn.textContent = btn.getAttribute("data-done") || "Copied";
        }
      });
    });
  }

  // Ask before destructive actions (forms marked data-confirm).
  document.addEventListener(
    "submit",
    function (e) {
      var f = e.target;
      if (f && f.hasAttribute && f.hasAttribute("data-confirm")) {
        if (!window.confirm(f.getAttribute("data-confirm"))) {
          e.preventDefault();
          e.stopImmediatePropagation();
        }
      }
    },
    true
  );
  document.addEventListener("htmx:confirm", function (e) {
    var f = e.detail.elt;
    if (f && f.hasAttribute("data-confirm") && !window.confirm(f.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });

  // Upload progress (CSV import).
  document.addEventListener("htmx:xhr:progress", function (e) {
    var p = e.target.querySelector && e.target.querySelector("progress");
    if (p && e.detail.lengthComputable) {
      p.hidden = false;
      p.value = Math.round((e.detail.loaded / e.detail.total) * 100);
    }
  });

  // The test call: read new answers aloud when asked, keep the latest in view.
  document.addEventListener("htmx:afterSwap", function (e) {
    init(e.target);
    var log = document.getElementById("transcript");
    if (!log) return;
    log.scrollTop = log.scrollHeight;
    var speak = document.getElementById("speak");
    if (speak && speak.checked && "speechSynthesis" in window) {
      log.querySelectorAll("[data-say]:not([data-spoken])").forEach(function (el) {
        el.setAttribute("data-spoken", "1");
        var u = new SpeechSynthesisUtterance(el.textContent);
        u.lang = el.getAttribute("data-say");
        window.speechSynthesis.speak(u);
      });
    }
    var input = document.getElementById("say");
    if (input) {
      input.value = "";
      input.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    var log = document.getElementById("transcript");
    if (log) {
      log.querySelectorAll("[data-say]").forEach(function (el) {
        el.setAttribute("data-spoken", "1");
      });
      log.scrollTop = log.scrollHeight;
    }
  });
})();
