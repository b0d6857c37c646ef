// Hash routes (`#/graph?view=app`, `#/workloads/default/reviews-v1`): the server serves one page, the
// browser keeps history, and links work without a router library.

export type Route =
  | { readonly page: 'graph'; readonly view: string }
  | { readonly page: 'namespaces' }
  | { readonly page: 'detail'; readonly kind: 'services' | 'workloads'; readonly namespace: string; readonly name: string }
  | { readonly page: 'config'; readonly select?: string }
  | { readonly page: 'proxies' }
  | { readonly page: 'errors' };

/** The route of a location hash; the graph for anything unknown. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'namespaces':
      return { page: 'namespaces' };
    case 'config': {
      const select = params.get('select');
      return select ? { page: 'config', select } : { page: 'config' };
    }
    case 'proxies':
      return { page: 'proxies' };
    case 'errors':
      return { page: 'errors' };
    case 'services':
    case 'workloads':
      if (parts[1] && parts[2]) return { page: 'detail', kind: parts[0], namespace: parts[1], name: parts[2] };
      return { page: 'namespaces' };
    default:
      return { page: 'graph', view: params.get('view') ?? 'versionedApp' };
  }
}

/** The hash of a detail page. */
export function detailHref(kind: 'services' | 'workloads', namespace: string, name: string): string {
  return `#/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}
