// Reading what weftd has in force: its /debug/configz (every resource with the file it came from), found
// through the running mesh's state file or given as a URL.

/** One entry of weftd's /debug/configz. */
export interface ConfigzEntry {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly origin?: { readonly source?: string; readonly file?: string; readonly line?: number };
  readonly resource: Record<string, unknown>;
}

/** GETs `<debugUrl>/debug/configz`. Rejects with a message naming the URL when weftd does not answer. */
export async function fetchConfigz(debugUrl: string): Promise<ConfigzEntry[]> {
  const url = `${debugUrl.replace(/\/$/, '')}/debug/configz`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(`cannot reach weftd at ${url}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const body = (await res.json()) as unknown;
  if (!Array.isArray(body)) throw new Error(`${url} did not answer a list`);
  return body as ConfigzEntry[];
}
