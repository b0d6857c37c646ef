// Istio's own test data for e2e scenarios, read in place from ../shared/corpus/istio beside the checkout
// (or $WEFT_ISTIO_CORPUS), never copied into the repository. Scenarios that need it skip loudly when it
// is absent.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/repo.js';

/** The corpus root: $WEFT_ISTIO_CORPUS, else ../shared/corpus/istio seen from the repository root. */
export const ISTIO_CORPUS = process.env.WEFT_ISTIO_CORPUS ?? join(REPO_ROOT, '..', 'shared', 'corpus', 'istio');

/** Istio's samples/bookinfo/networking/ (the routing configs of the request-routing, traffic-shifting and fault-injection tasks). */
export const BOOKINFO_NETWORKING = join(ISTIO_CORPUS, 'samples', 'bookinfo', 'networking');

/** Whether `dir` of the corpus is there; warns with what is skipped when it is not. */
export function corpusPresent(dir: string, skipped: string): boolean {
  if (existsSync(dir)) return true;
  console.warn(`SKIP: Istio corpus not found at ${dir}; ${skipped} skipped`);
  return false;
}
