/**
 * IP addresses and CIDR ranges, parsed and matched with ipaddr.js. IPv4-mapped IPv6
 * (`::ffff:10.1.2.3`) is treated as the IPv4 address it carries, on both sides, so an
 * IPv4 rule matches a dual-stack peer and an IPv4-mapped rule matches a plain IPv4 peer.
 */
import ipaddr from 'ipaddr.js'

/** A parsed address. */
export type Address = ipaddr.IPv4 | ipaddr.IPv6

/**
 * Parses an address as a peer or a header gives it: brackets (`[::1]`) and an IPv6 zone
 * id (`fe80::1%eth0`) are removed; anything else that is not an address is `undefined`.
 */
export function parseAddress(text: string): Address | undefined {
  // Fast path for the common case, a plain dotted IPv4 peer (ipaddr's general parser costs microseconds).
  const v4 = dottedQuad.exec(text)
  if (v4) {
    const octets = [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])]
    return octets.every((o) => o <= 255) ? new ipaddr.IPv4(octets) : undefined
  }
  let s = text.trim()
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1)
  const zone = s.indexOf('%')
  if (zone !== -1 && s.includes(':')) s = s.slice(0, zone)
  if (!ipaddr.isValid(s)) return undefined
  // `isValid` accepts IPv4 shorthands like "10" or "0x0a.1"; only the four-part dotted form is an address here.
  if (!s.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined
  return ipaddr.process(s)
}

const dottedQuad = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/

/** Whether a string is an address or a CIDR range ipaddr.js can parse. */
export function isAddressOrRange(text: string): boolean {
  return parseRange(text) !== undefined
}

type Range = readonly [Address, number]

function parseRange(text: string): Range | undefined {
  const s = text.trim()
  if (s.includes('/')) {
    if (!ipaddr.isValidCIDR(s)) return undefined
    const [address, bits] = ipaddr.parseCIDR(s)
    if (address.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(s.slice(0, s.indexOf('/')))) return undefined
    return unmap([address, bits])
  }
  const address = parseAddress(s)
  if (!address) return undefined
  return [address, address.kind() === 'ipv4' ? 32 : 128]
}

function unmap([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
  }
  return [address, bits]
}

/** Tests an address against a compiled list of addresses and ranges. */
export type AddressMatcher = (address: Address) => boolean

/**
 * Compiles a list of addresses and CIDR ranges once. Entries must already be validated
 * (the config schema does it with {@link isAddressOrRange}).
 */
export function compileRanges(entries: readonly string[]): AddressMatcher {
  // IPv4 ranges become integer intervals in two flat arrays: a list of a hundred ranges is
  // then a hundred number comparisons, not a hundred ipaddr matches.
  const firsts: number[] = []
  const lasts: number[] = []
  const v6: Range[] = []
  for (const entry of entries) {
    const range = parseRange(entry)
    if (!range) throw new TypeError(`not an address or CIDR range: ${entry}`)
    if (range[0].kind() === 'ipv4') {
      const size = 2 ** (32 - range[1])
      const first = Math.floor(toUint32(range[0] as ipaddr.IPv4) / size) * size
      firsts.push(first)
      lasts.push(first + size - 1)
    } else {
      v6.push(range)
    }
  }
  return (address) => {
    if (address.kind() === 'ipv4') {
      const n = toUint32(address as ipaddr.IPv4)
      for (let i = 0; i < firsts.length; i++) if (n >= firsts[i]! && n <= lasts[i]!) return true
      return false
    }
    for (const [base, bits] of v6) if (address.match(base as never, bits)) return true
    return false
  }
}

function toUint32(address: ipaddr.IPv4): number {
  const [a, b, c, d] = address.octets as [number, number, number, number]
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d
}
