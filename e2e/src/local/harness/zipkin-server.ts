// A real Zipkin server for tracing scenarios: its exec jar from Maven Central (io.zipkin:zipkin-server,
// classifier exec), cached outside the repository ($XDG_CACHE_HOME/weft, else ~/.cache/weft) and
// verified against Maven Central's SHA-1, run with the machine's Java on a free port with in-memory
// storage, and read through its v2 API the way Zipkin's UI does.

import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnProcess, type ChildHandle } from './child-processes.js';
import { waitUntil } from './wait-until.js';

export const ZIPKIN_VERSION = '3.6.1';
const JAR = `zipkin-server-${ZIPKIN_VERSION}-exec.jar`;
const JAR_URL = `https://repo1.maven.org/maven2/io/zipkin/zipkin-server/${ZIPKIN_VERSION}/${JAR}`;

/** The machine's `java`: $JAVA_HOME/bin/java, else the first on PATH; undefined when there is none. */
export function findJava(): string | undefined {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'java'))) return join(dir, 'java');
  }
  return undefined;
}

/** Where downloads are cached: $XDG_CACHE_HOME/weft, else ~/.cache/weft. */
export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'weft');
}

async function sha1Of(file: string): Promise<string> {
  const hash = createHash('sha1');
  await pipeline((await import('node:fs')).createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The Zipkin exec jar, downloaded once into the cache. Maven Central's `.sha1` is fetched (and cached
 * beside the jar) and the jar's SHA-1 must match it, whether just downloaded or found in the cache; a
 * mismatch deletes the file and fails.
 */
export async function zipkinJar(): Promise<string> {
  const dir = cacheDir();
  await mkdir(dir, { recursive: true });
  const jar = join(dir, JAR);
  const sumFile = `${jar}.sha1`;
  let expected = existsSync(sumFile) ? readFileSync(sumFile, 'utf8').trim() : '';
  if (!/^[0-9a-f]{40}$/.test(expected)) {
    const res = await fetch(`${JAR_URL}.sha1`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`${JAR_URL}.sha1: HTTP ${res.status}`);
    expected = (await res.text()).trim().split(/\s+/)[0] ?? '';
    if (!/^[0-9a-f]{40}$/.test(expected)) throw new Error(`${JAR_URL}.sha1: not a SHA-1: ${expected}`);
    await (await import('node:fs/promises')).writeFile(sumFile, `${expected}\n`);
  }
  if (existsSync(jar)) {
    if ((await sha1Of(jar)) === expected) return jar;
    await rm(jar, { force: true });
  }
  const partial = `${jar}.${process.pid}.part`;
  try {
    const res = await fetch(JAR_URL, { signal: AbortSignal.timeout(600_000) });
    if (!res.ok || !res.body) throw new Error(`${JAR_URL}: HTTP ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(partial));
    const actual = await sha1Of(partial);
    if (actual !== expected) throw new Error(`${JAR_URL}: SHA-1 ${actual}, Maven Central says ${expected}`);
    await rename(partial, jar);
  } finally {
    await rm(partial, { force: true });
  }
  return jar;
}

/** A Zipkin v2 span as its API returns it. */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  readonly name?: string;
  readonly timestamp?: number;
  readonly duration?: number;
  readonly localEndpoint?: { readonly serviceName?: string; readonly ipv4?: string };
  readonly tags?: Readonly<Record<string, string>>;
}

/** A running Zipkin. */
export interface ZipkinServer {
  readonly port: number;
  readonly child: ChildHandle;
  /** GET /api/v2/trace/<id>: the trace's spans ([] while Zipkin does not know it). */
  trace(traceId: string): Promise<ZipkinSpan[]>;
  /** GET /api/v2/traces with `query` (annotationQuery, serviceName, limit, lookback...). */
  traces(query: Readonly<Record<string, string>>): Promise<ZipkinSpan[][]>;
  stop(): Promise<void>;
}

/** Starts `java -jar zipkin.jar` with QUERY_PORT=`port` and STORAGE_TYPE=mem; resolves once /health is UP. */
export async function startZipkin(java: string, jar: string, port: number): Promise<ZipkinServer> {
  const child = spawnProcess('zipkin', java, ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-jar', jar], { QUERY_PORT: String(port), STORAGE_TYPE: 'mem', ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      'zipkin /health UP',
      async () => {
        const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        return res?.status === 200 && ((await res.json()) as { status?: string }).status === 'UP';
      },
      { timeoutMs: 90_000, describe: () => child.output() },
    );
  } catch (e) {
    await child.stop('SIGKILL');
    throw e;
  }
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) return [] as T;
    if (!res.ok) throw new Error(`zipkin ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    port,
    child,
    trace: (traceId) => get<ZipkinSpan[]>(`/api/v2/trace/${traceId}`),
    traces: (query) => get<ZipkinSpan[][]>(`/api/v2/traces?${new URLSearchParams(query).toString()}`),
    stop: async () => {
      await child.stop('SIGTERM', 10_000);
    },
  };
}

/** The cached jar's size in MB, for the log line (undefined when not cached). */
export async function cachedJarSizeMb(): Promise<number | undefined> {
  const s = await stat(join(cacheDir(), JAR)).catch(() => undefined);
  return s ? Math.round(s.size / 1e6) : undefined;
}

/** Whether the jar is already cached (with its checksum file). */
export async function jarCached(): Promise<boolean> {
  const jar = join(cacheDir(), JAR);
  return existsSync(jar) && (await readFile(`${jar}.sha1`, 'utf8').catch(() => '')) !== '';
}
