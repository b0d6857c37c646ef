// Wires one sample program from its config: the service's handler, its upstream client, and the
// listening server. The only module that knows all four services.

import type { SampleConfig } from './config.js';
import { listenService, type RequestHandler, type ServiceHandle } from './service-server.js';
import { createDetailsHandler } from './services/details.js';
import { createProductPageHandler } from './services/productpage.js';
import { createRatingsHandler } from './services/ratings.js';
import { createReviewsHandler } from './services/reviews.js';
import { createUpstreamClient, type UpstreamClient } from './upstream-client.js';

/**
 * Starts `config.service` listening on `config.address:config.port`. Rejects when the port cannot be
 * bound. `close()` on the handle stops the server and closes its outgoing connections.
 */
export async function startSampleService(config: SampleConfig): Promise<ServiceHandle> {
  const client = createUpstreamClient({ proxy: config.proxy, proxyForm: config.proxyForm });
  try {
    return await listenService(createHandler(config, client), config.address, config.port, () => client.close());
  } catch (e) {
    client.close();
    throw e;
  }
}

function createHandler(config: SampleConfig, client: UpstreamClient): RequestHandler {
  switch (config.service) {
    case 'productpage':
      return createProductPageHandler(config, client);
    case 'details':
      return createDetailsHandler();
    case 'reviews':
      return createReviewsHandler(config, client);
    case 'ratings':
      return createRatingsHandler();
  }
}
