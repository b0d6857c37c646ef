// The product page's HTML (bookinfo's productpage.html, without Bootstrap): the book, its details and
// its reviews, or Istio's "currently unavailable" messages in their place. Pure: data in, text out.

import type { Product } from '../catalog.js';
import { isRecord } from '../json-record.js';

/** What productpage got from a service: the JSON body, or the message to show instead. */
export type Fetched = { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly error: string };

/** The page's inputs. */
export interface ProductPageView {
  readonly product: Product;
  readonly details: Fetched;
  readonly reviews: Fetched;
  /** The end user (from the `user` cookie or the `end-user` header), shown as signed in. */
  readonly user: string | undefined;
}

const escapeHtml = (v: unknown): string =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Renders the page. Fields the services did not send are left empty, never fail the page. */
export function renderProductPage(view: ProductPageView): string {
  const { product, details, reviews, user } = view;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Simple Bookstore App</title>
<style>
body { font-family: sans-serif; margin: 0 2em; } .stars { font-size: 1.2em; } .error { color: #a94442; }
nav { background: #222; color: #ddd; padding: .5em 1em; margin: 0 -2em 1em; }
</style>
</head>
<body>
<nav><b>BookInfo Sample</b>${user === undefined ? '' : ` <span class="user">signed in as <b>${escapeHtml(user)}</b></span>`}</nav>
<h3 class="title">${escapeHtml(product.title)}</h3>
<p class="summary">Summary: ${product.descriptionHtml}</p>
<div class="row">
<section class="details">
${renderDetails(details)}
</section>
<section class="reviews">
${renderReviews(reviews)}
</section>
</div>
</body>
</html>
`;
}

function renderDetails(details: Fetched): string {
  if (!details.ok) return `<h4>Error fetching product details!</h4>\n<p class="error">${escapeHtml(details.error)}</p>`;
  const d = details.body;
  const row = (label: string, key: string): string => `<dt>${label}:</dt><dd>${escapeHtml(d[key] ?? '')}</dd>`;
  return [
    '<h4>Book Details</h4>',
    '<dl>',
    row('Author', 'author'),
    row('Year', 'year'),
    row('Type', 'type'),
    row('Pages', 'pages'),
    row('Publisher', 'publisher'),
    row('Language', 'language'),
    row('ISBN-10', 'ISBN-10'),
    row('ISBN-13', 'ISBN-13'),
    '</dl>',
  ].join('\n');
}

function renderReviews(reviews: Fetched): string {
  if (!reviews.ok) return `<h4>Error fetching product reviews!</h4>\n<p class="error">${escapeHtml(reviews.error)}</p>`;
  const r = reviews.body;
  const list = Array.isArray(r.reviews) ? r.reviews.filter(isRecord) : [];
  const items = list.map(
    (review) => `<blockquote class="review">
<p>${escapeHtml(review.text ?? '')}</p>
<small class="reviewer">${escapeHtml(review.reviewer ?? '')}</small>
${renderRating(review.rating)}
</blockquote>`,
  );
  const version = typeof r.version === 'string' ? r.version : '';
  return [
    '<h4>Book Reviews</h4>',
    ...items,
    `<dl><dt>Reviews served by:</dt><dd class="served-by" data-version="${escapeHtml(version)}"><u>${escapeHtml(r.podname ?? '')}</u></dd></dl>`,
  ].join('\n');
}

/** Stars out of five in the rating's colour (★ given, ☆ not), bookinfo's message, or nothing (v1). */
function renderRating(rating: unknown): string {
  if (!isRecord(rating)) return '';
  if (typeof rating.stars === 'number') {
    const n = Math.max(0, Math.min(5, Math.round(rating.stars)));
    const color = typeof rating.color === 'string' && /^[a-z]+$/.test(rating.color) ? rating.color : 'black';
    return `<span class="stars stars-${color}" style="color: ${color}" data-stars="${n}">${'★'.repeat(n)}${'☆'.repeat(5 - n)}</span>`;
  }
  return `<p class="error">${escapeHtml(rating.error ?? '')}</p>`;
}
