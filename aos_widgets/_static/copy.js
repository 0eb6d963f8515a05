// A button that copies its `text` to the clipboard (with a fallback for insecure origins).
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button aos-copy";
  const label = () => (button.textContent = model.get("description"));
  label();
  model.on("change:description", label);
  button.addEventListener("click", async () => {
    const text = model.get("text");
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
    setTimeout(label, 1200);
    model.send({ type: "copied" });
  });
  el.append(button);
}
export default { render };
