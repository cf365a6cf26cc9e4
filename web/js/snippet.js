// A search result's snippet. The server promises `snippet_html` is escaped text with only
// <mark> around matches; we still never insert it as HTML: it is parsed in an inert document
// and rebuilt from its text, with <mark> the only element kept.

import { el } from './dom.js';

export function snippetNodes(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html ?? ''}</body>`, 'text/html');
  return Array.from(parsed.body.childNodes, (node) =>
    node.nodeName === 'MARK' ? el('mark', {}, node.textContent) : node.textContent);
}
