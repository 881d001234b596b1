"""The dashboard's only two static files, served from memory (no CDN, no build step)."""

from __future__ import annotations

CSS = """
:root{--fg:#1d2430;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--accent:#4f46e5}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);
background:var(--bg)}header{display:flex;gap:18px;align-items:center;padding:10px 20px;
background:#111827;color:#fff}header a{color:#d1d5db;text-decoration:none}header a.on,
header a:hover{color:#fff}header b{margin-right:12px}main{padding:16px 20px;max-width:1200px}
h1{font-size:20px;margin:4px 0 14px}h2{font-size:16px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase}
a{color:var(--accent)}code,pre{font:12px/1.4 ui-monospace,monospace}
pre{background:#fff;border:1px solid var(--line);padding:8px;overflow:auto;max-height:320px;
margin:4px 0}.muted{color:var(--muted)}.badge{display:inline-block;padding:1px 8px;
border-radius:10px;font-size:12px;font-weight:600;background:#e5e7eb}
.Completed{background:#d1fae5;color:#065f46}.Failed{background:#fee2e2;color:#991b1b}
.Running{background:#dbeafe;color:#1e40af}.Queued{background:#fef3c7;color:#92400e}
.Cancelled{background:#e5e7eb;color:#374151}.Skipped{background:#f3e8ff;color:#6b21a8}
.Paused{background:#fee2e2;color:#991b1b}
.Scheduled,.Waiting,.Planned{background:#fef3c7;color:#92400e}
form.inline{display:inline}form.bar{display:flex;gap:8px;flex-wrap:wrap;align-items:end;
margin:0 0 12px}label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,textarea{font:inherit;padding:4px 6px;border:1px solid #cbd5e1;border-radius:4px}
textarea{font:12px ui-monospace,monospace;width:100%;min-height:90px}
button{font:inherit;padding:5px 12px;border-radius:4px;border:1px solid var(--accent);
background:var(--accent);color:#fff;cursor:pointer}button.quiet{background:#fff;
color:var(--accent)}button.danger{border-color:#b91c1c;background:#b91c1c}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 12px}
dt{color:var(--muted)}dd{margin:0}.wf{display:block;width:100%;min-width:220px;height:14px;
background:#f1f5f9}.wf rect{fill:var(--accent)}.wf rect.Failed{fill:#dc2626}
.wf rect.Scheduled,.wf rect.Waiting,.wf rect.Planned{fill:#f59e0b}
.chart-grid{display:flex;flex-wrap:wrap;gap:12px}.chart-figure{margin:0;background:#fff;
border:1px solid var(--line);padding:6px;flex:1 1 420px;max-width:560px;min-width:0}
.chart-figure figcaption{font-weight:600;font-size:13px}
.chart-figure svg{display:block;width:100%;height:auto}
.note{padding:8px 10px;background:#eef2ff;
border:1px solid #c7d2fe;margin:0 0 12px}.error{background:#fef2f2;border-color:#fecaca}
"""

JS = """
// Live tables: re-fetch each [data-live] element's fragment every 2 s until it says it is final.
(function () {
  function tick() {
    document.querySelectorAll('[data-live]').forEach(function (el) {
      if (el.querySelector('[data-final]')) return;
      fetch(el.getAttribute('data-live'), {credentials: 'same-origin'})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) el.innerHTML = html; })
        .catch(function () {});
    });
  }
  setInterval(tick, 2000);
})();
"""
