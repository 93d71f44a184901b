// gdlab.playground.widget's front end (an anywidget ES module): the playground's page in a sandboxed iframe, so
// that its ids and styles meet neither the notebook's nor another widget's. The page's messages go on to Python
// (model.send) and Python's come back to the page; the page's height sizes the frame.
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.sandbox = "allow-scripts allow-downloads"; // an opaque origin: the page cannot reach the notebook
  frame.title = "gdlab playground";
  frame.style.cssText = "width: 100%; height: 860px; border: 0; display: block;";
  const url = URL.createObjectURL(new Blob([model.get("_page")], { type: "text/html" }));
  frame.src = url; // a blob URL, unlike srcdoc, lets the page keep its settings in its own URL hash
  el.appendChild(frame);
  const fromPage = (e) => {
    const m = e.source === frame.contentWindow && e.data && e.data.gdlab;
    if (!m) return;
    if (m.height !== undefined) frame.style.height = `${Math.ceil(m.height)}px`;
    else model.send(m);
  };
  const toPage = (m) => { if (frame.contentWindow) frame.contentWindow.postMessage({ gdlab: m }, "*"); };
  window.addEventListener("message", fromPage);
  model.on("msg:custom", toPage);
  return () => {
    window.removeEventListener("message", fromPage);
    model.off("msg:custom", toPage);
    URL.revokeObjectURL(url);
  };
}
export default { render };
