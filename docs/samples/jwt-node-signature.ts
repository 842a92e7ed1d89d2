import { createPortcullis, loadConfig } from 'portcullis'
import { nodeSignatureCheck } from 'portcullis/node'
import { memoryStores } from 'portcullis/storage/memory'

const config = loadConfig({ jwt: { issuers: [{ issuer: 'https://idp.example.com', algorithms: ['RS256'], jwksUri: 'https://idp.example.com/jwks' }] } })

// On Node (node:http, Hapi, Koa): node:crypto checks JWT signatures; jose does everything else.
export const portcullis = createPortcullis({ config, stores: memoryStores(), signatureCheck: nodeSignatureCheck })
