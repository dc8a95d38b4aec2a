import { Client } from "undici";
import { newEventId, nowSeconds } from "../src/events/ids.js";
const TOKENS = ["Hel", "lo", ", wor", "ld", "! How", " can I", " help", " you today?"];
const client = new Client("http://127.0.0.1:39123", { keepAliveTimeout: 30_000 });
const headers = { authorization: "Bearer k", "content-type": "application/json" };
for (let round = 0; round < 5; round++) {
  const t = performance.now();
  const bodies: string[] = []; let parts: string[] = []; let sending: Promise<void> | undefined;
  const sendAll = async () => { for (let b = bodies.shift(); b !== undefined; b = bodies.shift()) { const r = await client.request({ method: "POST", path: "/api/structure-runs/bench/events", headers, body: b }); await r.body.dump(); } sending = undefined; };
  const cut = () => { bodies.push(`[${parts.join(",")}]`); parts = []; sending ??= sendAll(); };
  let i = 0;
  await new Promise<void>((resolve) => {
    const burst = () => { for (let k = 0; k < 1000; k++, i++) { const e = { type: "TextChunkEvent", id: newEventId(), timestamp: nowSeconds(), meta: {}, index: i, token: TOKENS[i & 7] }; parts.push(`{"payload":${JSON.stringify(e)},"timestamp":${e.timestamp},"type":"TextChunkEvent"}`); if (parts.length === 500) cut(); } if (i < 100000) setImmediate(burst); else resolve(); };
    burst();
  });
  while (sending) await sending;
  console.log("round", round, (performance.now() - t).toFixed(0), "ms");
}
await client.close();
