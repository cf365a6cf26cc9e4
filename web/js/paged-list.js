// A list filled a page at a time with a "Load more" button (archives, search results): keeps
// the offset, and moves focus to the first new item so keyboard users stay in place.

import { ApiError } from './api.js';

/**
 * fetchPage(offset) → {items, next_offset}; render(item) → <li>. `onError(text)` shows a
 * failure. Resolves to the first page's items once it is shown.
 */
export function pagedList({ list, more, loading, empty, fetchPage, render, onError }) {
  let offset = 0;
  async function load() {
    const page = await fetchPage(offset);
    const items = page.items.map(render);
    list.append(...items);
    offset = page.next_offset ?? null;
    more.hidden = offset === null;
    if (loading) loading.hidden = true;
    if (empty) empty.hidden = list.children.length > 0;
    return items;
  }
  const failed = (e) => {
    if (loading) loading.hidden = true;
    onError(e instanceof ApiError ? e.message : 'unknown error');
  };
  more.addEventListener('click', async () => {
    more.setAttribute('aria-disabled', 'true');
    try {
      const items = await load();
      items[0]?.querySelector('a')?.focus();
    } catch (e) {
      failed(e);
    } finally {
      more.removeAttribute('aria-disabled');
    }
  });
  return load().catch(failed);
}
