// The mesh config in config/ against SAMPLE_WORKLOADS: every workload and service is there with the
// addresses and labels the orchestrator will use. (Istio validity is `weftctl validate`'s job; see the README.)

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from './config.js';
import { SAMPLE_CONFIG_DIR, SAMPLE_WORKLOADS } from './workloads.js';

/** The YAML documents of a file, split on `---` lines, comments dropped. */
function documents(file: string): string[] {
  const text = readFileSync(join(SAMPLE_CONFIG_DIR, file), 'utf8').replace(/^#.*\n/gm, '');
  return text.split(/^---\n/m).filter((d) => d.trim() !== '');
}

const field = (doc: string, re: RegExp): string | undefined => re.exec(doc)?.[1];

describe('config/', () => {
  it('holds exactly services, workloads, destination rules and the ingress gateway', () => {
    expect(readdirSync(SAMPLE_CONFIG_DIR).sort()).toEqual(['destination-rules.yaml', 'gateway.yaml', 'services.yaml', 'workloads.yaml']);
  });

  it('has one WorkloadEntry per sample workload, with its address, labels and service account', () => {
    const docs = documents('workloads.yaml');
    expect(docs.map((d) => field(d, /^ {2}name: (\S+)$/m))).toEqual(SAMPLE_WORKLOADS.map((w) => w.name));
    for (const [i, w] of SAMPLE_WORKLOADS.entries()) {
      const d = docs[i] ?? '';
      expect(d).toContain('kind: WorkloadEntry\n');
      expect(field(d, /^ {2}address: (\S+)$/m)).toBe(w.workloadAddress);
      expect(d).toContain(`  labels:\n    app: ${w.app}\n    version: ${w.version}\n`);
      expect(field(d, /^ {2}serviceAccount: (\S+)$/m)).toBe(w.serviceAccount);
    }
  });

  it('has a ServiceEntry per service on port 9080 selecting app=<service>, host in namespace default', () => {
    const docs = documents('services.yaml');
    expect(docs).toHaveLength(SERVICE_NAMES.length);
    for (const [i, s] of SERVICE_NAMES.entries()) {
      const d = docs[i] ?? '';
      expect(d).toContain(`kind: ServiceEntry\nmetadata:\n  name: ${s}\n  namespace: default\n`);
      expect(d).toContain(`  hosts:\n  - ${s}.default.svc.cluster.local\n  location: MESH_INTERNAL\n  resolution: STATIC\n`);
      expect(d).toContain('  - number: 9080\n    name: http\n');
      expect(d).toContain(`  workloadSelector:\n    labels:\n      app: ${s}\n`);
    }
  });

  it('has a subset for each version the sample runs', () => {
    const subsets = new Map(documents('destination-rules.yaml').map((d) => [field(d, /^ {2}host: (\S+)$/m), [...d.matchAll(/^ {2}- name: (\S+)$/gm)].map((m) => m[1])]));
    for (const s of SERVICE_NAMES) expect(subsets.get(s), s).toEqual(SAMPLE_WORKLOADS.filter((w) => w.app === s).map((w) => w.version));
  });
});
