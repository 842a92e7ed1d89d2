import { createHash } from 'node:crypto'
import { createPortcullis, type HostTokenVerifier } from 'portcullis'
import { memoryStores } from 'portcullis/storage/memory'

/** The host's own personal access tokens, by SHA-256 → owner (filled from the host's database). */
const personalAccessTokens = new Map<string, string>()

/** Says whose a token is, or undefined when it is not one of the host's. */
const hostTokens: HostTokenVerifier = (token) => personalAccessTokens.get(createHash('sha256').update(token).digest('hex'))

const stores = memoryStores({ hostTokens })
const portcullis = createPortcullis({ config: { hostTokens: { enabled: true } }, stores })
console.log(portcullis.config.hostTokens.enabled) // true
