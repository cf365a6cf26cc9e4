// Reconnect delays: exponential, capped, with jitter so that a restarted server is not hit by
// every client in the same millisecond.

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): base·2^attempt capped
 * at `max`, then a random point in its upper half ("equal jitter"), so it never collapses to 0.
 */
export function backoffDelay(attempt, { base = 500, max = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
