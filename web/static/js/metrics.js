// Reports the join time (page open to the first remote video frame) to the
// server once per page, as a client_metrics message (docs/usage.md). It
// watches conferDebug.firstFrameAt (set by room.js) and sends on the
// signalling connection the page joined with; nothing else changes.

import { Signaling } from './signaling.js';

const MAX_MS = 10 * 60 * 1000; // the server ignores anything longer
let joinedOn = null;           // the Signaling that last sent a join
let sent = false;

const send = Signaling.prototype.send;
Signaling.prototype.send = function (type, data) {
  if (type === 'join') joinedOn = this;
  const ok = send.call(this, type, data);
  if (type === 'join' && ok) setTimeout(check, 0);
  return ok;
};

// performance.now() counts from the page's navigation start: "page open".
function check() {
  if (sent) return;
  const at = window.conferDebug?.firstFrameAt;
  if (at == null || !joinedOn?.open) return;
  if (at > 0 && at <= MAX_MS) joinedOn.send('client_metrics', { joinMs: Math.round(at) });
  sent = true;
  clearInterval(timer);
}

const timer = setInterval(check, 500);
setTimeout(() => clearInterval(timer), MAX_MS);
