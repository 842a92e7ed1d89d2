/**
 * Property-based tests: no header content from an untrusted peer changes the resolved
 * address, and a trusted proxy's header yields an address it names, the peer, or
 * "unknown", never garbage.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { resolveClient } from './client-address.ts'
import { compileRanges, parseAddress } from './ip.ts'
import { anyText } from '../../test-support/arbitraries.ts'


const runs = { numRuns: 500 }
const trusted = compileRanges(['10.0.0.0/8', 'fd00::/8'])

const octet = fc.integer({ min: 0, max: 255 })
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'))
/** Peers in the trusted ranges, as a socket may report them. */
const trustedPeer = fc.oneof(
  fc.tuple(octet, octet, octet).map(([a, b, c]) => `10.${a}.${b}.${c}`),
  fc.tuple(octet, octet, octet).map(([a, b, c]) => `::ffff:10.${a}.${b}.${c}`),
  fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `fd${a.toString(16).padStart(2, '0')}::${n.toString(16)}`),
)
/** Peers outside them. */
const untrustedPeer = fc.oneof(ipv4, fc.ipV6(), ipv4.map((a) => `::ffff:${a}`)).filter((a) => !trusted(parseAddress(a)!))

/** Header entries: addresses of every kind, trusted or not, odd spellings and garbage. */
const entry = fc.oneof(
  ipv4,
  fc.ipV6(),
  trustedPeer,
  fc.ipV4Extended(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}:${p}`),
  fc.constantFrom('unknown', '_hidden', '', ' ', 'fe80::1%eth0', '1.2.3', '0x0a.0.0.1', '127.1', 'localhost'),
  anyText(20),
)
const header = fc.oneof(
  fc.constant(null),
  anyText(60),
  fc.tuple(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.constantFrom(',', ', ', ' ,', ',,')).map(([entries, sep]) => entries.join(sep)),
)

const canonical = (text: string) => parseAddress(text)?.toString()

describe('client address resolution (property-based)', () => {
  it('ignores any header from a peer that is not a trusted proxy', () => {
    fc.assert(
      fc.property(untrustedPeer, header, fc.boolean(), (peer, value, list) => {
        const client = resolveClient(peer, value, trusted, list)
        return client.address !== undefined && client.text === canonical(peer) && client.address.toString() === canonical(peer)
      }),
      runs,
    )
  })

  it('ignores any header when no proxy is trusted', () => {
    fc.assert(
      fc.property(fc.oneof(trustedPeer, untrustedPeer), header, fc.boolean(), (peer, value, list) => {
        const client = resolveClient(peer, value, undefined, list)
        return client.text === canonical(peer)
      }),
      runs,
    )
  })

  it('believes a trusted proxy only for an address its header names, else the peer or unknown', () => {
    fc.assert(
      fc.property(trustedPeer, header, fc.boolean(), (peer, value, list) => {
        const client = resolveClient(peer, value, trusted, list)
        if (client.address === undefined) return client.text === 'unknown'
        // Never garbage: the text is the canonical form of a real address.
        if (client.text !== client.address.toString() || canonical(client.text) !== client.text) return false
        if (value === null) return client.text === canonical(peer)
        const named = (list ? value.split(',') : [value]).map(canonical)
        return named.includes(client.text)
      }),
      runs,
    )
  })

  it('never resolves X-Forwarded-For to a trusted hop while an untrusted address stands to its right', () => {
    fc.assert(
      fc.property(trustedPeer, fc.array(entry, { minLength: 1, maxLength: 6 }), (peer, entries) => {
        const client = resolveClient(peer, entries.join(','), trusted, true)
        if (client.address === undefined || !trusted(client.address)) return true
        // A trusted result means every entry is a trusted address: the leftmost one was taken.
        return entries.every((e) => {
          const a = parseAddress(e)
          return a !== undefined && trusted(a)
        })
      }),
      runs,
    )
  })

  it('takes the rightmost untrusted entry when every entry is an address', () => {
    fc.assert(
      fc.property(trustedPeer, fc.array(fc.oneof(ipv4, trustedPeer, fc.ipV6()), { minLength: 1, maxLength: 6 }), (peer, entries) => {
        const client = resolveClient(peer, entries.join(', '), trusted, true)
        const untrusted = entries.filter((e) => !trusted(parseAddress(e)!))
        const expected = untrusted.length ? untrusted[untrusted.length - 1]! : entries[0]!
        return client.text === canonical(expected)
      }),
      runs,
    )
  })

  it('never throws and always answers, whatever the peer and header', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(40), trustedPeer, untrustedPeer), header, fc.boolean(), (peer, value, list) => {
        const client = resolveClient(peer, value, trusted, list)
        return typeof client.text === 'string' && client.text.length > 0
      }),
      runs,
    )
  })

  it('has generators that reach every branch', () => {
    // Guard against a property passing vacuously: trusted proxies' headers do get believed.
    const samples = fc.sample(fc.tuple(trustedPeer, header), { numRuns: 300, seed: 42 })
    const results = samples.map(([peer, value]) => resolveClient(peer, value, trusted, true))
    expect(results.some((c) => c.address === undefined)).toBe(true)
    expect(results.some((c, i) => c.address !== undefined && c.text !== canonical(samples[i]![0]))).toBe(true)
  })
})
