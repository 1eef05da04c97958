// The reading pane's body. HTML mail is shown through a DOM copy that keeps only text and a few
// formatting elements, with no attributes: the sandbox never runs or loads anything a message holds.

const kept = new Set(['P', 'BR', 'H1', 'H2', 'H3', 'H4', 'UL', 'OL', 'LI', 'B', 'STRONG', 'I', 'EM', 'U', 'DIV', 'SPAN', 'BLOCKQUOTE', 'PRE', 'HR', 'TABLE', 'TBODY', 'TR', 'TD', 'TH']);
const dropped = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'HEAD', 'TITLE', 'NOSCRIPT', 'SVG', 'MATH']);

function copyInto(from: Node, to: Node, doc: Document): void {
  for (const node of Array.from(from.childNodes)) {
    if (node.nodeType === 3 /* text */) {
      to.appendChild(doc.createTextNode(node.textContent ?? ''));
      continue;
    }
    if (node.nodeType !== 1 /* element */) continue;
    const tag = (node as Element).tagName.toUpperCase();
    if (dropped.has(tag)) continue;
    if (tag === 'A') {
      // Links show as links but lead nowhere.
      const link = doc.createElement('span');
      link.className = 'link';
      copyInto(node, link, doc);
      to.appendChild(link);
    } else if (kept.has(tag)) {
      const el = doc.createElement(tag.toLowerCase());
      copyInto(node, el, doc);
      to.appendChild(el);
    } else {
      copyInto(node, to, doc);
    }
  }
}

/** renderBody returns an element showing an item's body (contentType "text" or "html"). */
export function renderBody(body: { contentType: string; content: string }, doc: Document = document): HTMLElement {
  const out = doc.createElement('div');
  out.className = 'body';
  if (body.contentType.toLowerCase() !== 'html') {
    out.classList.add('plain');
    out.textContent = body.content;
    return out;
  }
  // DOMParser documents run no scripts and load nothing.
  const parsed = new DOMParser().parseFromString(body.content, 'text/html');
  copyInto(parsed.body, out, doc);
  return out;
}
