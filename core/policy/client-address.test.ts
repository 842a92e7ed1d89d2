import { describe, expect, it } from 'vitest'
import { resolveClient } from './client-address.ts'
import { compileRanges } from './ip.ts'

const proxies = compileRanges(['10.0.0.0/8', '2001:db8:ffff::/48'])
const xff = (peer: string, header: string | null) => {
  const client = resolveClient(peer, header, proxies, true)
  return [client.text, client.address?.toString()]
}
const realIp = (peer: string, header: string | null) => {
  const client = resolveClient(peer, header, proxies, false)
  return [client.text, client.address?.toString()]
}
const unknown = ['unknown', undefined]

describe('resolveClient', () => {
  it('ignores the header when no proxy is trusted', () => {
    for (const list of [true, false]) {
      const client = resolveClient('10.0.0.2', '198.51.100.1', undefined, list)
      expect([client.text, client.address?.toString()]).toEqual(['10.0.0.2', '10.0.0.2'])
    }
  })

  it('resolves each of many distinct peers as itself, past the bound of remembered peers, and the same peer alike each time', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i <= 3000; i++) {
        const peer = i % 2 ? `192.0.${i >> 8}.${i & 255}` : `2001:db8::${i.toString(16)}`
        expect(resolveClient(peer, null, undefined, true).text).toBe(peer)
      }
    }
    expect(resolveClient('not an address', null, undefined, true)).toEqual({ text: 'not an address', address: undefined })
    expect(resolveClient('', null, undefined, true)).toEqual({ text: 'unknown', address: undefined })
    expect(resolveClient('::ffff:192.0.2.1', null, undefined, true).text).toBe('192.0.2.1')
  })

  it('ignores the header from a peer that is not a trusted proxy', () => {
    for (const header of ['198.51.100.1', '198.51.100.1, 10.0.0.3', 'garbage', '', ' , ,']) {
      expect([header, ...xff('203.0.113.5', header)]).toEqual([header, '203.0.113.5', '203.0.113.5'])
      expect([header, ...realIp('203.0.113.5', header)]).toEqual([header, '203.0.113.5', '203.0.113.5'])
    }
  })

  it('takes the peer when a trusted proxy sends no header', () => {
    expect(xff('10.0.0.2', null)).toEqual(['10.0.0.2', '10.0.0.2'])
    expect(realIp('10.0.0.2', null)).toEqual(['10.0.0.2', '10.0.0.2'])
  })

  it('believes a trusted proxy: the single X-Forwarded-For entry is the client', () => {
    expect(xff('10.0.0.2', '198.51.100.1')).toEqual(['198.51.100.1', '198.51.100.1'])
    expect(xff('10.0.0.2', ' 2001:db8::1 ')).toEqual(['2001:db8::1', '2001:db8::1'])
    expect(xff('10.0.0.2', '[2001:db8::1]')).toEqual(['2001:db8::1', '2001:db8::1'])
  })

  it('walks X-Forwarded-For from the right past trusted hops to the first untrusted address', () => {
    expect(xff('10.0.0.2', '198.51.100.1, 10.0.0.3')).toEqual(['198.51.100.1', '198.51.100.1'])
    expect(xff('10.0.0.2', '198.51.100.1,10.0.0.4,10.0.0.3')).toEqual(['198.51.100.1', '198.51.100.1'])
    expect(xff('2001:db8:ffff::1', '198.51.100.1, 2001:db8:ffff::2')).toEqual(['198.51.100.1', '198.51.100.1'])
  })

  it('stops at the first untrusted address: spoofed entries to its left are never believed', () => {
    expect(xff('10.0.0.2', '127.0.0.1, 203.0.113.9, 198.51.100.1, 10.0.0.3')).toEqual(['198.51.100.1', '198.51.100.1'])
    expect(xff('10.0.0.2', 'garbage, 198.51.100.1')).toEqual(['198.51.100.1', '198.51.100.1'])
  })

  it('takes the leftmost entry when every hop is trusted', () => {
    expect(xff('10.0.0.2', '10.0.0.5, 10.0.0.4, 10.0.0.3')).toEqual(['10.0.0.5', '10.0.0.5'])
  })

  it('reads IPv4-mapped entries as IPv4, for matching and for the audit text', () => {
    expect(xff('::ffff:10.0.0.2', '::ffff:198.51.100.1, ::ffff:10.0.0.3')).toEqual(['198.51.100.1', '198.51.100.1'])
  })

  it('makes the client unknown when garbage comes before the client', () => {
    for (const header of ['garbage', 'unknown, 10.0.0.3', '198.51.100.1, garbage', '198.51.100.1, 10.0.0.3:8080', '', ' ', '198.51.100.1,', ',198.51.100.1 ,', '198.51.100.1 10.0.0.3', '10', '0x0a.0.0.1']) {
      expect([header, ...xff('10.0.0.2', header)]).toEqual([header, ...unknown])
    }
  })

  it('reads X-Real-IP (any other header) as a single address', () => {
    expect(realIp('10.0.0.2', '198.51.100.1')).toEqual(['198.51.100.1', '198.51.100.1'])
    expect(realIp('10.0.0.2', '[2001:db8::1]')).toEqual(['2001:db8::1', '2001:db8::1'])
    // Believed even when it names a trusted address: there is no list to walk.
    expect(realIp('10.0.0.2', '10.0.0.9')).toEqual(['10.0.0.9', '10.0.0.9'])
  })

  it('makes the client unknown when X-Real-IP is not one address', () => {
    for (const header of ['198.51.100.1, 198.51.100.2', 'garbage', '', '1.2.3']) {
      expect([header, ...realIp('10.0.0.2', header)]).toEqual([header, ...unknown])
    }
  })

  it('leaves an unparseable peer unknown, keeping its text for the audit log', () => {
    expect(xff('not-an-ip', '198.51.100.1')).toEqual(['not-an-ip', undefined])
    expect(xff('', '198.51.100.1')).toEqual(['unknown', undefined])
    expect(xff('10', null)).toEqual(['10', undefined])
    expect(resolveClient('/tmp/socket', '198.51.100.1', proxies, true).address).toBeUndefined()
  })

  it('canonicalises the peer text', () => {
    expect(xff('[::FFFF:203.0.113.5]', null)).toEqual(['203.0.113.5', '203.0.113.5'])
    expect(xff('fe80::1%eth0', null)).toEqual(['fe80::1', 'fe80::1'])
  })
})
