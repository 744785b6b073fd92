// The page: read the run's token from the address and mount the coding screen.

import { httpTransport } from "./api.js";
import { mount } from "./screen.js";

const token = new URLSearchParams(window.location.search).get("token") || "";
const app = document.getElementById("app");
mount(app, httpTransport(token), { keyTarget: document });
