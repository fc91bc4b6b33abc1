/** Escapes text for SVG (or HTML) element content and attribute values: the core's charts are strings; the pages use hono's auto-escaping `html`. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** An SVG coordinate or length, to one decimal (user units). */
export function svgNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}
