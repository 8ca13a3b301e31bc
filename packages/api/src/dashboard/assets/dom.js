/* global document, Node */
// Building the page from data: every value goes in as text or an attribute, never as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

export const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
};

export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function setStatus(text, isError = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/** A table row that opens its incident when clicked (or Enter is pressed on it). */
export function incidentRow(id, cells) {
  return el(
    'tr',
    { 'data-incident': id, tabindex: 0 },
    cells.map((cell) => (cell instanceof Node ? cell : el('td', { text: cell ?? '—' }))),
  );
}

export function emptyRow(columns, text) {
  return el('tr', {}, el('td', { colspan: columns, className: 'empty', text }));
}
