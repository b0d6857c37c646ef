// The sample's workloads and their placeholder addresses, the numbers config/workloads.yaml uses: for
// the orchestrator that starts the sample and its proxies, so the processes and the mesh config agree.

import { fileURLToPath } from 'node:url';
import type { ServiceName } from './config.js';

/** One sample process and where it and its proxy live. */
export interface SampleWorkload {
  /** WorkloadEntry name, `<app>-<version>`. */
  readonly name: string;
  readonly app: ServiceName;
  readonly version: string;
  /** `bookinfo-<app>`. */
  readonly serviceAccount: string;
  /** 127.0.10.<n>: the WorkloadEntry address, where the proxy's inbound listener binds port 9080. */
  readonly workloadAddress: string;
  /** 127.0.11.<n>: where the app listens (WEFT_SAMPLE_ADDRESS, port 9080; the proxy's --app-address). */
  readonly appAddress: string;
  /** 127.0.12.<n>: the proxy's per-service outbound listeners (--outbound-address). */
  readonly outboundAddress: string;
}

const workload = (n: number, app: ServiceName, version: string): SampleWorkload =>
  Object.freeze({
    name: `${app}-${version}`,
    app,
    version,
    serviceAccount: `bookinfo-${app}`,
    workloadAddress: `127.0.10.${n}`,
    appAddress: `127.0.11.${n}`,
    outboundAddress: `127.0.12.${n}`,
  });

/** The six workloads, numbered 1-6 in this order. Every service port is 9080. */
export const SAMPLE_WORKLOADS: readonly SampleWorkload[] = Object.freeze([
  workload(1, 'productpage', 'v1'),
  workload(2, 'details', 'v1'),
  workload(3, 'reviews', 'v1'),
  workload(4, 'reviews', 'v2'),
  workload(5, 'reviews', 'v3'),
  workload(6, 'ratings', 'v1'),
]);

/** The directory of the mesh config (ServiceEntry, WorkloadEntry, DestinationRule YAML) a local run seeds weftd with. */
export const SAMPLE_CONFIG_DIR: string = fileURLToPath(new URL('../config/', import.meta.url));
