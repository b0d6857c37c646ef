// Loopback addresses for one local mesh: a /24 of 127.0.0.0/8 picked at random per mesh, so that the
// sockets a proxy must bind on a service's own port (per-service outbound listeners such as
// `0.0.0.0_9080`, inbound listeners on the workload address) never meet another mesh's or another
// program's, even on a machine where other tests run at the same time. Everything else uses port 0.

import { randomInt } from 'node:crypto';

/** The addresses of one mesh, handed out in order. */
export class LoopbackSubnet {
  /** `127.a.b`, never 127.0.0 (where 127.0.0.1 lives). */
  readonly prefix: string;
  #next: number;

  constructor(prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`, first = 11) {
    this.prefix = prefix;
    this.#next = first;
  }

  /** A fixed host of the subnet (the client's addresses use low numbers). */
  host(n: number): string {
    return `${this.prefix}.${n}`;
  }

  /** The next unused host, from `first` up. */
  next(): string {
    if (this.#next > 254) throw new Error(`loopback subnet ${this.prefix}.0/24 is used up`);
    return this.host(this.#next++);
  }
}
