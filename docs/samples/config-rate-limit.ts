import type { ConfigInput } from 'portcullis'

export const config = {
  rateLimit: {
    enabled: true,
    limit: 600, // requests…
    windowSeconds: 60, // …in any 60 seconds, per token (per user for other methods)
    onStoreFailure: 'refuse', // the default: a failing counter store is a 503
  },
} satisfies ConfigInput
