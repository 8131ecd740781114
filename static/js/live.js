// One Socket.IO connection per page to /agents, shared by every module that imports this one.
import { t } from "./i18n.js";

const handlers = new Map();
const connectHooks = [];
export const socket = io("/agents", { transports: ["websocket", "polling"] });

export function on(name, fn) {
  if (!handlers.has(name)) {
    handlers.set(name, []);
    socket.on(name, (data) => handlers.get(name).forEach((h) => h(data)));
  }
  handlers.get(name).push(fn);
}

// Runs now if connected, and again after every reconnection (rooms are joined per connection).
export function onConnect(fn) {
  connectHooks.push(fn);
  if (socket.connected) fn();
}

function setState(key) {
  const el = document.getElementById("live-state");
  if (el) { el.textContent = t(key); el.dataset.state = key; }
}

socket.on("connect", () => {
  setState("live");
  socket.emit("presence.hello", {}, (answer) => {
    if (answer && answer.presence) document.dispatchEvent(new CustomEvent("kept:presence", { detail: answer }));
  });
  connectHooks.forEach((fn) => fn());
});
socket.on("disconnect", () => setState("reconnecting"));
