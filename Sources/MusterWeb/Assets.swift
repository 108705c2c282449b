/// The console's stylesheet and its little plain JavaScript, served by Muster itself: no CDN,
/// no build step, and nothing inline (the Content-Security-Policy allows neither).
enum Assets {
    static let stylesheet = """
        :root { --ink: #1b1f24; --muted: #4b5563; --line: #d1d5db; --accent: #1d4ed8; --danger: #b91c1c; --bg: #ffffff; --soft: #f3f4f6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 8px; z-index: 2; }
        .top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line); }
        .top nav a { margin-right: 12px; } .brand { font-weight: 700; text-decoration: none; color: var(--ink); margin-right: auto; }
        main { max-width: 960px; margin: 0 auto; padding: 16px; }
        a { color: var(--accent); } a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
        h1 { font-size: 1.6rem; margin: .4em 0; } h2 { font-size: 1.2rem; }
        label { display: block; margin: 8px 0 2px; font-weight: 600; } fieldset label { font-weight: 400; }
        input, select, textarea { font: inherit; padding: 8px; border: 1px solid #6b7280; border-radius: 4px; width: 100%; max-width: 32rem; background: #fff; color: var(--ink); }
        input[type=radio], input[type=checkbox] { width: auto; }
        button, .button { font: inherit; padding: 8px 14px; border: 1px solid #374151; border-radius: 4px; background: #fff; color: var(--ink); cursor: pointer; margin-top: 8px; display: inline-block; text-decoration: none; }
        .primary { background: var(--accent); border-color: var(--accent); color: #fff; } .danger { border-color: var(--danger); color: var(--danger); }
        .notice { background: #ecfdf5; border: 1px solid #047857; padding: 8px 12px; } .error { background: #fef2f2; border: 1px solid var(--danger); padding: 8px 12px; }
        .secret { background: #fffbeb; border: 1px solid #b45309; padding: 8px 12px; word-break: break-all; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
        .tabs { display: flex; flex-wrap: wrap; gap: 4px 16px; border-bottom: 1px solid var(--line); margin: 12px 0; padding-bottom: 6px; }
        .tabs a[aria-current=page] { font-weight: 700; text-decoration: none; color: var(--ink); }
        table { border-collapse: collapse; width: 100%; margin: 12px 0; } caption { text-align: left; font-weight: 700; padding: 4px 0; }
        th, td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid var(--line); }
        td.actions form { display: inline-block; margin: 0 8px 6px 0; } td.actions select { width: auto; }
        .hint, .crumb { color: var(--muted); font-size: .9rem; } .list { padding-left: 1.2rem; } .inline { display: inline; }
        .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        details.menu > summary { cursor: pointer; font-weight: 700; padding: 8px 0; }
        .badge { font-size: .75rem; font-weight: 700; padding: 2px 6px; border-radius: 4px; background: #d9f2e3; color: #0b5a2a; vertical-align: middle; }
        .badge.legacy { background: #eee; color: #555; } .pager a { margin-right: 12px; }
        @media (max-width: 640px) { thead { display: none; } tr, td { display: block; } td { border: none; padding: 4px 0; } tr { border-bottom: 1px solid var(--line); padding: 8px 0; } }
        """

    /// The rules that give an org's pages its accent colour, a `#rrggbb` checked when it was set.
    static func accent(_ colour: String) -> String {
        ":root { --accent: \(colour); }\n"
    }

    static let script = """
        document.addEventListener('DOMContentLoaded', function () {
          document.querySelectorAll('textarea[data-counter]').forEach(function (area) {
            var counter = document.getElementById(area.dataset.counter);
            var update = function () { counter.textContent = area.value.length + ' / ' + area.maxLength; };
            area.addEventListener('input', update); update();
          });
          // Ending an assignment or revoking an invitation cannot be undone: ask first.
          document.querySelectorAll('form[data-confirm]').forEach(function (confirmed) {
            confirmed.addEventListener('submit', function (event) {
              if (!window.confirm(confirmed.dataset.confirm)) { event.preventDefault(); }
            });
          });
          var form = document.getElementById('invite-collaborator');
          if (form) {
            var show = function () {
              var mode = form.querySelector('input[name=mode]:checked').value;
              form.querySelectorAll('[data-modes]').forEach(function (group) {
                group.hidden = group.dataset.modes.split(' ').indexOf(mode) < 0;
              });
            };
            form.querySelectorAll('input[name=mode]').forEach(function (radio) { radio.addEventListener('change', show); });
            show();
          }
        });
        """
}
