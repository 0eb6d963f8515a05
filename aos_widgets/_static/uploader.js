// Chunked browser uploader: the kernel sends presigned S3 part URLs, the page PUTs slices of the
// file straight to the S3 endpoint (no bytes through the kernel's websocket), then says "done".
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "aos-uploader";
  const input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.className = "aos-uploader-input";
  const note = document.createElement("span");
  note.className = "aos-uploader-note";
  note.style.marginLeft = "0.5em";
  box.append(input, note);
  el.append(box);

  const files = new Map();
  const xhrs = new Set();
  let cancelled = false;

  const sync = () => {
    input.disabled = model.get("disabled");
    note.textContent = model.get("label");
  };
  sync();
  model.on("change:disabled", sync);
  model.on("change:label", sync);

  input.addEventListener("change", () => {
    const chosen = Array.from(input.files || []);
    if (!chosen.length) return;
    cancelled = false;
    const batch = chosen.map((f, i) => {
      const id = `${Date.now()}-${i}-${f.name}`;
      files.set(id, f);
      return { id, name: f.name, size: f.size, type: f.type };
    });
    model.send({ type: "selected", origin: window.location.origin, files: batch });
    input.value = "";
  });

  model.on("msg:custom", (msg) => {
    if (msg.type === "plan") upload(msg);
    else if (msg.type === "forget") files.delete(msg.id);
    else if (msg.type === "cancel") {
      cancelled = true;
      for (const x of Array.from(xhrs)) x.abort();
      xhrs.clear();
    }
  });

  function put(url, blob, onprogress) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      xhrs.add(x);
      x.open("PUT", url);
      x.upload.onprogress = (e) => onprogress(e.loaded);
      x.onload = () => {
        xhrs.delete(x);
        if (x.status >= 200 && x.status < 300) resolve();
        else reject(new Error(`HTTP ${x.status}: ${(x.responseText || "").slice(0, 200)}`));
      };
      x.onerror = () => {
        xhrs.delete(x);
        reject(new Error("network error (does the project allow this page's origin in CORS?)"));
      };
      x.onabort = () => {
        xhrs.delete(x);
        reject(new Error("cancelled"));
      };
      x.send(blob);
    });
  }

  async function upload(plan) {
    const file = files.get(plan.id);
    if (!file) {
      model.send({ type: "failed", id: plan.id, error: "the page no longer has this file" });
      return;
    }
    const loaded = new Array(plan.urls.length).fill(0);
    let last = 0;
    const report = (force) => {
      const now = performance.now();
      if (force || now - last > 250) {
        last = now;
        model.send({ type: "progress", id: plan.id, loaded: loaded.reduce((a, b) => a + b, 0) });
      }
    };
    let next = 0;
    let failed = null;
    const worker = async () => {
      while (next < plan.urls.length && !cancelled && !failed) {
        const n = next++;
        const start = n * plan.part_size;
        const blob = file.slice(start, Math.min(file.size, start + plan.part_size));
        for (let attempt = 0; ; attempt++) {
          try {
            await put(plan.urls[n], blob, (l) => {
              loaded[n] = l;
              report(false);
            });
            loaded[n] = blob.size;
            report(false);
            break;
          } catch (e) {
            if (cancelled || attempt >= 2) {
              failed = failed || e;
              break;
            }
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(plan.concurrency || 3, plan.urls.length));
    await Promise.all(Array.from({ length: workers }, worker));
    files.delete(plan.id);
    if (cancelled) model.send({ type: "cancelled", id: plan.id });
    else if (failed) model.send({ type: "failed", id: plan.id, error: String(failed.message || failed) });
    else {
      report(true);
      model.send({ type: "done", id: plan.id });
    }
  }
}
export default { render };
