// Shows a secret that arrives by message: it lives in the page only, never in the widget state
// (so it is not saved into the notebook), and is masked until "Show" is clicked.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "aos-secret";
  const field = document.createElement("input");
  field.type = "password";
  field.readOnly = true;
  field.size = 48;
  field.className = "aos-secret-value";
  const show = document.createElement("button");
  show.className = "jupyter-button widget-button";
  show.textContent = "Show";
  const copy = document.createElement("button");
  copy.className = "jupyter-button widget-button";
  copy.textContent = "Copy";
  const note = document.createElement("span");
  note.style.marginLeft = "0.5em";
  box.append(field, show, copy, note);
  box.style.display = "none";
  el.append(box);
  show.addEventListener("click", () => {
    field.type = field.type === "password" ? "text" : "password";
    show.textContent = field.type === "password" ? "Show" : "Hide";
  });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (e) {
      field.type = "text";
      field.select();
      document.execCommand("copy");
      field.type = "password";
    }
    copy.textContent = "Copied";
    setTimeout(() => (copy.textContent = "Copy"), 1200);
  });
  model.on("msg:custom", (msg) => {
    if (msg.type === "secret") {
      field.value = msg.value;
      field.dataset.label = msg.label || "";
      note.textContent = msg.label || "";
      box.style.display = msg.value ? "" : "none";
    }
  });
}
export default { render };
