// The data bookinfo serves, as Istio's sample has it: one product (The Comedy of Errors), its
// details, its two reviews and their ratings. Constants only; the services decide how to show them.

/** A product as productpage lists it (`GET /api/v1/products`). */
export interface Product {
  readonly id: number;
  readonly title: string;
  /** Trusted HTML, shown as is. */
  readonly descriptionHtml: string;
}

/** bookinfo's one product. */
export const PRODUCTS: readonly Product[] = Object.freeze([
  Object.freeze({
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  }),
]);

/** The details service's answer for product `id` (bookinfo's details v1: the same book for every id). */
export function bookDetails(id: number): Record<string, string | number> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

/** The two reviews, in the order reviews lists them; the reviewer names key the ratings. */
export const REVIEWS: readonly { readonly reviewer: string; readonly text: string }[] = Object.freeze([
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
]);

/** The ratings service's stars per reviewer (bookinfo's ratings v1). */
export const RATINGS: Readonly<Record<string, number>> = Object.freeze({ Reviewer1: 5, Reviewer2: 4 });

/** A product id in a path: digits only, as bookinfo's services accept. */
export function parseProductId(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}
