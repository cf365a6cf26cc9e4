// Message text: counting, answer labels, and turning URLs into safe links. Pure functions (no
// DOM) so they can be tested in Node; render.js builds the nodes.

/** Characters as the server counts them: Unicode code points of the trimmed text. */
export function codePointLength(text) {
  let n = 0;
  // for..of iterates by code point, so an emoji made of a surrogate pair counts once.
  for (const _ of text.trim()) n += 1;
  return n;
}

const ANSWER_PREFIX = /^\s*((?:#[\p{L}\p{N}_]+\s+)*)[Aa]\d{1,3}(?![\p{L}\p{N}_])\s*/u;

/** `text` labelled as an answer to question `n`: an existing `A<k>` label is replaced. */
export function withAnswerPrefix(text, n) {
  const label = `A${n} `;
  const match = ANSWER_PREFIX.exec(text);
  if (match) return `${match[1]}${label}${text.slice(match[0].length)}`;
  return label + text.replace(/^\s+/, '');
}

// http(s) URLs, and bare www. addresses. Anything else (javascript:, data:, mailto:) stays text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+|\bwww\.[^\s<>"'`]+/giu;
const TRAILING = /[.,;:!?'"»”’)\]}>]+$/u;

function trimTrailing(candidate) {
  let url = candidate;
  for (;;) {
    const match = TRAILING.exec(url);
    if (!match) return url;
    // Keep a closing bracket that closes one opened inside the URL (Wikipedia-style links).
    const last = url[url.length - 1];
    const pairs = { ')': '(', ']': '[', '}': '{' };
    if (pairs[last]) {
      const opens = url.split(pairs[last]).length - 1;
      const closes = url.split(last).length - 1;
      if (opens >= closes) return url;
    }
    url = url.slice(0, -1);
  }
}

/** The http(s) URL `raw` points to, or null when it is not a safe web link. */
export function safeHref(raw) {
  const candidate = /^www\./i.test(raw) ? `https://${raw}` : raw;
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname) return null;
  return url.href;
}

/**
 * Splits text into [{type:'text', text}] and [{type:'link', text, href}] parts; joining every
 * part's text gives back the input exactly.
 */
export function linkParts(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = trimTrailing(match[0]);
    const href = safeHref(raw);
    if (!href) continue;
    if (match.index > last) parts.push({ type: 'text', text: text.slice(last, match.index) });
    parts.push({ type: 'link', text: raw, href });
    last = match.index + raw.length;
  }
  if (last < text.length) parts.push({ type: 'text', text: text.slice(last) });
  return parts;
}

/** The first `max` code points of `text`, with an ellipsis when cut. */
export function snippet(text, max = 80) {
  const points = Array.from(text.replace(/\s+/g, ' ').trim());
  return points.length <= max ? points.join('') : `${points.slice(0, max - 1).join('')}…`;
}

/** A session id from the query string, or null when it is not a UUID. */
export function sessionIdFrom(search) {
  const id = new URLSearchParams(search).get('session');
  return id && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id : null;
}

/** A same-site path to go back to after signing in, or null for anything else. */
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return null;
  }
  return next;
}

/** "1 answer", "2 answers"; `many` for irregular plurals. */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
