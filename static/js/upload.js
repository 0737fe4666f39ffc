/*
 * Upload forms with a progress bar (forms marked data-upload).
 *
 * Without this script the form posts as usual; with it, the file goes up by XHR so a
 * <progress> element can show how far it got, and a refusal (413, 415, 422...) is shown
 * next to the form from the server's JSON message. No dependencies.
 */
(function () {
  "use strict";
  if (!window.FormData || !window.XMLHttpRequest || !document.querySelectorAll) {
    return;
  }

  // Open the page the server named. When only its #fragment differs from this page, assign()
  // would merely scroll, so reload to show the new state (and the flashed message).
  function go(url) {
    var target = new URL(url, window.location.href);
    var here = window.location;
    if (target.pathname === here.pathname && target.search === here.search) {
      if (target.hash !== here.hash) {
        history.replaceState(null, "", target.href);
      }
      here.reload();
    } else {
      here.assign(target.href);
    }
  }

  function setup(form) {
    var input = form.querySelector("input[type=file]");
    var box = form.querySelector("[data-upload-progress]");
    var bar = box && box.querySelector("progress");
    var percent = box && box.querySelector("[data-upload-percent]");
    var error = form.querySelector("[data-upload-error]");
    var button = form.querySelector("button[type=submit]");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    if (!input || !box || !bar || !error) {
      return;
    }

    function fail(message) {
      box.hidden = true;
      error.textContent = message || form.getAttribute("data-failed");
      error.hidden = false;
      if (button) {
        button.disabled = false;
      }
      input.focus();
    }

    form.addEventListener("submit", function (event) {
      // No file chosen: let the server say so, as it would without a script.
      if (!input.files || !input.files.length) {
        return;
      }
      event.preventDefault();
      error.hidden = true;
      error.textContent = "";
      if (maxBytes && input.files[0].size > maxBytes) {
        fail(form.getAttribute("data-too-large"));
        return;
      }

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var value = Math.floor((e.loaded * 100) / e.total);
          bar.value = value;
          percent.textContent = value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (ignored) {
          data = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.redirect) {
          bar.value = 100;
          percent.textContent = "100%";
          go(data.redirect);
          return;
        }
        fail(data && data.error && data.error.message);
      });
      xhr.addEventListener("error", function () {
        fail();
      });
      bar.value = 0;
      percent.textContent = "0%";
      box.hidden = false;
      if (button) {
        button.disabled = true;
      }
      xhr.send(new FormData(form));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setup);
})();
