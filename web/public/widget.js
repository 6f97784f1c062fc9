/* Switchboard live-chat widget: <script src="https://desk.example/widget.js" async></script> */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || window.__sbChatWidget) return;
  window.__sbChatWidget = true;
  var origin = new URL(me.src, location.href).origin;
  var lang = document.documentElement.lang || navigator.language || 'en';

  function mount() {
    var host = document.createElement('div');
    host.id = 'switchboard-chat';
    host.style.cssText = 'position:fixed;z-index:2147483000;right:0;bottom:0;width:0;height:0';
    var root = host.attachShadow({ mode: 'open' });
    root.innerHTML =
      '<style>' +
      ':host{all:initial}' +
      '.b{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;' +
      'background:linear-gradient(135deg,#4c6ef5,#15aabf);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}' +
      '.b:focus-visible{outline:3px solid #91a7ff;outline-offset:2px}' +
      '.p{position:fixed;right:20px;bottom:88px;width:380px;height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);' +
      'border-radius:12px;overflow:hidden;background:#fff;box-shadow:0 8px 30px rgba(0,0,0,.3);display:none}' +
      '.p.o{display:block}' +
      '.x{position:absolute;top:6px;right:8px;width:26px;height:26px;border:0;border-radius:50%;background:rgba(0,0,0,.06);cursor:pointer;font:18px/26px sans-serif;color:#495057;z-index:1}' +
      'iframe{width:100%;height:100%;border:0;display:block}' +
      '</style>' +
      '<div class="p" part="panel"><button class="x" type="button" aria-label="Close chat">\u00d7</button></div>' +
      '<button class="b" type="button" aria-label="Chat with support" aria-expanded="false">' +
      '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' +
      '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg></button>';
    var panel = root.querySelector('.p');
    var button = root.querySelector('.b');
    var frame = null;

    function toggle(open) {
      if (open && !frame) {
        frame = document.createElement('iframe');
        frame.title = 'Live chat';
        frame.allow = 'clipboard-write';
        frame.src = origin + '/chat?embed=1&lang=' + encodeURIComponent(lang);
        panel.appendChild(frame);
      }
      panel.classList.toggle('o', open);
      button.setAttribute('aria-expanded', String(open));
    }
    button.addEventListener('click', function () {
      toggle(!panel.classList.contains('o'));
    });
    root.querySelector('.x').addEventListener('click', function () {
      toggle(false);
    });
    document.body.appendChild(host);
  }

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
