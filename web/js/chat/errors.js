// Error frames in words for people. The server's own message is added where it helps.

const TEXT = {
  rate_limited: 'You are posting quickly, so this waits a moment and is sent again.',
  slow_mode: 'Slow mode is on, so this waits its turn and is sent again.',
  muted: 'A moderator muted you: you can read the chat but not post for now.',
  banned: 'You are banned from this chat series and cannot post here.',
  busy: 'The chat is busy; sending again shortly.',
  internal: 'The server had a problem; sending again shortly.',
  session_not_live: 'The chat is not open for posts right now.',
  forbidden: 'You cannot post in this chat. Sign in with an account that can take part.',
  text_too_long: 'The message is too long.',
  invalid_field: 'The message could not be sent.',
  not_found: 'That message no longer exists.',
  unauthenticated: 'Your sign-in has expired. Sign in again.',
  bad_frame: 'This page sent something the server did not understand. Reload the page.',
  hello_expected: 'This page and the server lost step. Reload the page.',
  unsupported_version: 'This page is out of date. Reload it.',
  binary_not_supported: 'This page sent something the server did not understand. Reload the page.',
};

/** Errors that answer a like or another frame: nothing is resent for those. */
const NOT_A_POST = {
  rate_limited: 'You are going quickly: wait a moment and try again.',
  busy: 'The chat is busy: try again in a moment.',
  internal: 'The server had a problem: try again in a moment.',
};

export function describeError(code, serverMessage, { limit, post = true } = {}) {
  let text = (!post && NOT_A_POST[code]) || TEXT[code] || 'Something went wrong.';
  if (code === 'text_too_long' && limit) text = `The message is too long: the limit is ${limit} characters.`;
  if (serverMessage && ['rate_limited', 'slow_mode', 'muted', 'invalid_field', 'forbidden'].includes(code)) {
    text = `${text} (${serverMessage})`;
  }
  return text;
}
