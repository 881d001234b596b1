// The browser side of the realtime e2e test: the official @inngest/realtime client, as an app
// would use it. The page sets window.process.env.INNGEST_BASE_URL (what a bundler substitutes
// for NEXT_PUBLIC_/VITE_ variables) before loading this bundle.
import { subscribe } from "@inngest/realtime";

window.startRealtime = async (tokenUrl) => {
  const log = document.getElementById("messages");
  const token = await (await fetch(tokenUrl)).json(); // {channel, topics, key}
  await subscribe(token, (message) => {
    const item = document.createElement("li");
    item.textContent = JSON.stringify({
      channel: message.channel,
      topic: message.topic,
      data: message.data,
      runId: message.runId ?? null,
      kind: message.kind,
    });
    log.appendChild(item);
  });
  document.body.dataset.state = "open"; // subscribe() resolves on the WebSocket's open
};
