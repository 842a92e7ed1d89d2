import type { ConfigInput } from 'portcullis'

export const config = {
  audit: {
    enabled: true,
    retentionDays: 90, // the maintenance job deletes older records…
    maxEntries: 1_000_000, // …and keeps at most this many
  },
  apiTokens: { deleteExpiredAfterDays: 30 }, // the same job deletes long-expired tokens
} satisfies ConfigInput
