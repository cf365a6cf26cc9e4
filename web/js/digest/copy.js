// Copying text to the clipboard. Browsers may refuse (no permission, an insecure page, an
// older browser): the caller then shows the text to copy by hand.

/** → true when `text` is on the clipboard, false when the browser refused. */
export async function copyText(text) {
  if (!navigator.clipboard?.writeText) return false;
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
