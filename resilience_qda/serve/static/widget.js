// The Jupyter widget (anywidget): the same screen, its API calls sent as widget messages to
// Python, which answers them with the same code as the web app.

import { messageTransport } from "./api.js";
import { mount } from "./screen.js";

export default {
  render({ model, el }) {
    const box = document.createElement("div");
    box.className = "rq-app rq-widget";
    box.style.height = `${model.get("height")}px`;
    el.append(box);
    mount(box, messageTransport(model), { coder: model.get("coder"), docId: model.get("doc_id") });
  },
};
