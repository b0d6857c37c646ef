// Reads weftd's debug API (Istio's 15014): /debug/configz (config in force), /debug/syncz (xDS state
// per connected proxy) and /debug/registryz (services and their endpoints). Read-only.

/** A /debug/configz entry. */
export interface ConfigzEntry {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly origin?: { readonly source?: string; readonly file?: string; readonly line?: number };
  readonly resource: Record<string, unknown>;
}

/** A /debug/syncz entry (the fields read here). */
export interface SynczEntry {
  readonly proxy: string;
  readonly connection_id: string;
  readonly connected_at: string;
  readonly proxy_type?: string;
  readonly resources: Readonly<Record<string, { readonly sent?: string; readonly acked?: string; readonly lastError?: string }>>;
}

/** A /debug/registryz entry (the fields read here). */
export interface RegistryzService {
  readonly hostname: string;
  readonly namespace: string;
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: string }[];
  readonly location?: string;
  readonly endpoints: readonly { readonly address: string; readonly port: number; readonly labels: Readonly<Record<string, string>>; readonly workload?: string; readonly healthy?: boolean; readonly serviceAccount?: string }[];
}

export interface WeftdClient {
  readonly url: string | undefined;
  configz(): Promise<ConfigzEntry[]>;
  syncz(): Promise<SynczEntry[]>;
  registryz(): Promise<RegistryzService[]>;
}

/** A client of weftd at `url`; without a URL every list is empty. Failures reject with the URL named. */
export function createWeftdClient(url: string | undefined, timeoutMs = 5000): WeftdClient {
  const base = url?.replace(/\/$/, '');
  const get = async <T>(path: string): Promise<T[]> => {
    if (base === undefined) return [];
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new Error(`cannot reach weftd at ${base}${path}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
    }
    if (res.status !== 200) throw new Error(`${base}${path} answered ${res.status}`);
    const body = (await res.json()) as unknown;
    return Array.isArray(body) ? (body as T[]) : [];
  };
  return {
    url: base,
    configz: () => get<ConfigzEntry>('/debug/configz'),
    syncz: () => get<SynczEntry>('/debug/syncz'),
    registryz: () => get<RegistryzService>('/debug/registryz'),
  };
}
