// The minimal broadcast server people write with Node `ws` (its README's broadcast example): every frame a
// client sends goes to every open client, the sender included (techpulse-load takes the sender's copy as its ack).
// Usage: node ws_broadcast.js PORT
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 18352);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, backlog: 4096 });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => console.log(`ws_broadcast listening on 127.0.0.1:${port}`));
