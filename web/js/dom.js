// Building DOM without HTML strings: user text only ever becomes text nodes.

/**
 * el('a', {href: '/x', class: 'y'}, 'text', otherNode) → an element.
 * Attribute values are set with setAttribute (never parsed as HTML); `hidden` and boolean
 * attributes take true/false; children may be strings (→ text nodes), nodes, arrays or null.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, '');
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace every child of `node` with `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

/** Set a text and show the element, or hide it when `text` is empty. */
export function setMessage(node, text) {
  node.textContent = text ?? '';
  node.hidden = !text;
}
