/**
 * The client address behind trusted reverse proxies.
 *
 * The forwarding header is believed only when the TCP peer is a trusted proxy. With
 * `X-Forwarded-For` the list is walked from the right (the entry the nearest proxy
 * appended) past trusted hops, and the first untrusted address is the client. If every
 * hop is trusted, the leftmost one is. Any other header (`X-Real-IP`) must hold a single
 * address.
 *
 * Garbage is never believed: an entry that is not an address (reached before the client)
 * makes the client unknown, which an IP allowlist refuses.
 */
import { LRUCache } from 'lru-cache'
import { parseAddress, type Address, type AddressMatcher } from './ip.ts'

/** The resolved client: its address, or `undefined` when it cannot be known. */
export interface ClientAddress {
  /** Text for the audit log: the canonical address, or the raw peer when unparseable. */
  readonly text: string
  readonly address: Address | undefined
}

/** Resolves the client of a request from its peer and forwarding header. */
export function resolveClient(
  peer: string,
  header: string | null,
  trusted: AddressMatcher | undefined,
  listHeader: boolean,
): ClientAddress {
  const resolvedPeer = peerOf(peer)
  const peerAddress = resolvedPeer.address
  if (!peerAddress || !trusted || header === null || !trusted(peerAddress)) return resolvedPeer

  if (!listHeader) {
    const address = parseAddress(header)
    return address ? known(address) : unknown
  }
  const hops = header.split(',')
  let client: Address = peerAddress
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseAddress(hops[i]!)
    if (!hop) return unknown
    client = hop
    if (!trusted(hop)) break
  }
  return known(client)
}

const unknown: ClientAddress = { text: 'unknown', address: undefined }

/** Longest peer {@link peerOf} remembers: an IPv6 address in text. */
const maxPeerLength = 45
/** Resolved peers by their text, the most recently seen thousand. */
const peers = new LRUCache<string, ClientAddress>({ max: 1024 })

/**
 * The peer's address and its text, remembered by the peer as the adapter gave it: a
 * server sees the same few peers (its proxies, its busy clients) again and again, and
 * parsing and printing an address costs several times a lookup. Only addresses are
 * remembered, so a host that passes something else as the peer cannot fill the memo.
 */
function peerOf(peer: string): ClientAddress {
  const remembered = peers.get(peer)
  if (remembered !== undefined) return remembered
  const address = parseAddress(peer)
  if (!address) return { text: peer || 'unknown', address: undefined }
  const resolved = Object.freeze(known(address))
  if (peer.length <= maxPeerLength) peers.set(peer, resolved)
  return resolved
}

function known(address: Address): ClientAddress {
  return { text: address.toString(), address }
}
