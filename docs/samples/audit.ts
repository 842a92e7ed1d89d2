import { createPortcullis, logLine } from 'portcullis'
import { openSqliteStores } from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'

const stores = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
const portcullis = createPortcullis({
  config: { audit: { retentionDays: 90 }, apiTokens: { deleteExpiredAfterDays: 30 } },
  stores,
  // One line per audited outcome, besides the audit store: description, user, path, client; never a secret.
  log: (line, record) => (record.outcome === 'success' ? console.log(line) : console.warn(line)),
})

// Retention: now, then every hour, until stop().
const maintenance = portcullis.startMaintenance({
  intervalMs: 3_600_000,
  onRun: (report) => console.log(`audit records removed: ${report.auditRecordsRemoved}, tokens deleted: ${report.tokensDeleted}`),
})

// Reading the log: newest first, filtered by user, outcome and time.
const dayAgo = Date.now() - 86_400_000
for (const record of await stores.audit.query({ outcome: 'unauthorized', from: dayAgo, limit: 20 })) {
  console.log(logLine(record))
}

maintenance.stop()
stores.close()
