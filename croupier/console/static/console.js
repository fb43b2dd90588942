/* Shared console helpers: the JSON API with CSRF, safe element building (textContent
   only, never innerHTML), formatting, and the navigation a user's role allows. */
(function () {
  'use strict';
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute('content') || '' : '';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function api(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (method !== 'GET') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['X-CSRF-Token'] = CSRF;
      opts.body = JSON.stringify(body || {});
    }
    return fetch(url, opts).then(function (res) {
      if (res.status === 401) {
        window.location.href = '/console/login';
        throw new Error('session expired — please sign in again');
      }
      return res.json().then(function (d) { return d; }, function () { return null; }).then(function (data) {
        if (!res.ok) {
          var err = new Error(data && data.error ? String(data.error) : 'request failed (' + res.status + ')');
          err.status = res.status;
          err.data = data || {};
          throw err;
        }
        return data || {};
      });
    }, function () { throw new Error('network error'); });
  }

  function formatSeconds(sec) {
    sec = Math.max(0, Math.floor(Number(sec) || 0));
    var d = Math.floor(sec / 86400), h = Math.floor((sec % 86400) / 3600);
    var m = Math.floor((sec % 3600) / 60), s = sec % 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + s + 's';
    return s + 's';
  }

  function formatTime(iso) {
    if (!iso) return '';
    var t = new Date(iso);
    if (isNaN(t.getTime())) return String(iso);
    return t.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function human(value) { return String(value == null ? '' : value).replace(/_/g, ' '); }

  // Hide the navigation links this user's role may not use.
  function setUpNav() {
    api('GET', '/console/api/me').then(function (me) {
      var allowed = me.permissions || [];
      Array.prototype.forEach.call(document.querySelectorAll('nav a[data-perm]'), function (a) {
        if (allowed.indexOf(a.getAttribute('data-perm')) < 0) a.hidden = true;
      });
    }, function () {});
    Array.prototype.forEach.call(document.querySelectorAll('nav a'), function (a) {
      if (a.getAttribute('href') === window.location.pathname) a.setAttribute('aria-current', 'page');
    });
  }

  window.Console = { api: api, el: el, formatSeconds: formatSeconds, formatTime: formatTime, human: human };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setUpNav);
  else setUpNav();
})();
