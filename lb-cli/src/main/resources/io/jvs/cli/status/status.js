// The JVS status page, live: every 2 s fetch the page again and swap in its #status element. Plain DOM, no
// framework; without JavaScript the page still shows everything and reloads itself (<noscript> meta refresh).
(function () {
  'use strict';
  var INTERVAL_MS = 2000;
  var live = document.getElementById('live');

  function show(text, ok) {
    live.textContent = text;
    live.className = 'live ' + (ok ? 'ok' : 'bad');
  }

  function refresh() {
    fetch(location.pathname, {cache: 'no-store', headers: {'Accept': 'text/html'}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, 'text/html').getElementById('status');
        var current = document.getElementById('status');
        if (!next || !current) {
          throw new Error('unexpected page');
        }
        // Keep the warnings list open or closed as the reader left it.
        var open = current.querySelector('details.warnings');
        var nextDetails = next.querySelector('details.warnings');
        if (open && nextDetails) {
          nextDetails.open = open.open;
        }
        current.replaceWith(document.adoptNode(next));
        show('Live: updated every ' + INTERVAL_MS / 1000 + ' s.', true);
      })
      .catch(function (e) {
        show('The daemon does not answer (' + e.message + '); retrying every ' + INTERVAL_MS / 1000 + ' s.', false);
      })
      .then(function () {
        setTimeout(refresh, INTERVAL_MS);
      });
  }

  show('Live: updated every ' + INTERVAL_MS / 1000 + ' s.', true);
  setTimeout(refresh, INTERVAL_MS);
})();
