import { createHash } from 'node:crypto'
import { createPortcullis, type HostTokenVerifier } from 'portcullis'
import { memoryStores } from 'portcullis/storage/memory'

/** The host's own personal access tokens, by SHA-256 → owner (filled from the host's database). */
const personalAccessTokens = new Map<string, string>()

/** The host's native OAuth access tokens, the same way. */
const oauthAccessTokens = new Map<string, string>()

const owner = (tokens: Map<string, string>): HostTokenVerifier => (token) => tokens.get(createHash('sha256').update(token).digest('hex'))

const stores = memoryStores({ hostTokens: owner(personalAccessTokens), hostOAuthTokens: owner(oauthAccessTokens) })
const portcullis = createPortcullis({ config: { hostTokens: { enabled: true, oauth: true } }, stores })
console.log(portcullis.config.hostTokens.oauth) // true
