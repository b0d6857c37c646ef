// What the local mesh needs from a workload's app: where it listens and how to stop it. The default app
// is an UpstreamServer (HTTP/1.1); scenarios bring others (an h2c-only server, a gRPC server) through
// ServiceDefinition.app.

/** A running app of one service instance. */
export interface AppServer {
  /** Its loopback address (the mesh hands one out per instance). */
  readonly address: string;
  /** The port it listens on (the WorkloadEntry's target port). */
  readonly port: number;
  /** Stops it and ends its connections. */
  close(): Promise<void>;
}

/** Starts the app of instance `version` on `address` (a free port of its choice). */
export type AppStarter = (version: string, address: string) => Promise<AppServer>;
