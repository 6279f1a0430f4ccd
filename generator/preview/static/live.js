// news-archive preview: reloads this tab when its page was rebuilt, swaps changed stylesheets in place,
// and shows build errors over the page until they are fixed. Injected by the preview server only.
(() => {
  const script = document.currentScript;
  const base = script.dataset.base || "/";
  let build = Number(script.dataset.build || 0);
  const here = () => {
    const path = decodeURI(location.pathname);
    return path.endsWith("/index.html") ? path.slice(0, -"index.html".length) : path;
  };

  function showErrors(errors) {
    let overlay = document.getElementById("news-archive-errors");
    if (!errors.length) {
      if (overlay) overlay.remove();
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "news-archive-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;"
        + "background:#2b0b0b;color:#ffe9e9;font:14px/1.5 ui-monospace,monospace;padding:16px 20px;"
        + "border-top:4px solid #ff5c5c;box-shadow:0 -4px 24px rgba(0,0,0,.4)";
      document.body.append(overlay);
    }
    overlay.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = `Build failed: ${errors.length} problem${errors.length > 1 ? "s" : ""} (the last good pages are shown)`;
    overlay.append(title);
    for (const error of errors) {
      const block = document.createElement("pre");
      block.style.cssText = "margin:10px 0 0;white-space:pre-wrap";
      block.textContent = error.message + (error.excerpt ? `\n${error.excerpt}` : "");
      overlay.append(block);
    }
  }

  function swapStylesheets(urls) {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (urls.includes(decodeURI(url.pathname))) {
        url.searchParams.set("v", Date.now());
        link.href = url.href;
      }
    }
  }

  function connect() {
    const source = new EventSource(`${base}__news-archive/events`);
    source.addEventListener("hello", (event) => {
      const data = JSON.parse(event.data);
      showErrors(data.errors);
      // The server restarted or rebuilt while we were away: this page may be stale.
      if (data.build !== build && build !== 0) location.reload();
      build = data.build;
    });
    source.addEventListener("reload", (event) => {
      const data = JSON.parse(event.data);
      build = data.build;
      showErrors(data.errors || []);
      if (data.changed.includes(here()) || data.removed.includes(here())) {
        location.reload();
      } else if (data.stylesheets.length) {
        swapStylesheets(data.stylesheets);
      }
    });
    source.addEventListener("errors", (event) => showErrors(JSON.parse(event.data).errors));
  }
  connect();
})();
