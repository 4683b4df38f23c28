// The waiting clocks (docs/notifications.md, "Waiting clocks"): every dialog row and the
// dialog header carry `wait_started_at` from the server (when the lead's wait for an operator
// began); the page runs the clock from it and marks the dialog "waiting too long" past the
// server's threshold, so every page marks the same dialogs, also after a reload. The page's
// clock is corrected by the server's: `/api/me` answers the server time and the threshold.

// How often the shown clocks move (they show minutes; the mark is at most this late).
export const CLOCK_TICK_MS = 10000;

// The skew between this page's clock and the server's, from one request: the server's `now`
// is taken as the moment halfway through the request.
export function skewOf(serverNow, sentAtMs, receivedAtMs) {
  const server = Date.parse(serverNow);
  if (Number.isNaN(server)) return 0;
  return server - (sentAtMs + receivedAtMs) / 2;
}

// { seconds, late } of a dialog's wait, or null when nobody waits. `clock`: { thresholdSeconds,
// skewMs } (null before /api/me answered: then no mark, the clock still runs).
export function waitOf(waitStartedAt, clock, nowMs = Date.now()) {
  if (!waitStartedAt) return null;
  const started = Date.parse(waitStartedAt);
  if (Number.isNaN(started)) return null;
  const seconds = Math.max(0, Math.floor((nowMs + (clock ? clock.skewMs : 0) - started) / 1000));
  const late = Boolean(clock && clock.thresholdSeconds > 0 && seconds >= clock.thresholdSeconds);
  return { seconds, late };
}

export function waitMinutes(seconds) {
  return Math.floor(seconds / 60);
}
