// Waiting for SIGINT / SIGTERM, the way every Weft binary stops: one helper instead of a copy per main.ts.

/** A pending stop signal: `promise` resolves with the signal's name; `dispose` removes the handlers. */
export interface StopSignal {
  readonly promise: Promise<string>;
  dispose(): void;
}

/** Resolves on the first SIGINT or SIGTERM. Call `dispose` once done so the handlers do not leak. */
export function waitForStopSignal(): StopSignal {
  let dispose = (): void => undefined;
  const promise = new Promise<string>((resolve) => {
    const on = (signal: NodeJS.Signals) => () => resolve(signal);
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    dispose = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  });
  return { promise, dispose };
}
