import { describe, expect, it } from 'vitest'
import { compileRanges, isAddressOrRange, parseAddress } from './ip.ts'

const text = (s: string) => parseAddress(s)?.toString()
const kind = (s: string) => parseAddress(s)?.kind()

describe('parseAddress', () => {
  it('parses dotted IPv4', () => {
    expect([text('10.1.2.3'), kind('10.1.2.3')]).toEqual(['10.1.2.3', 'ipv4'])
    expect(text('0.0.0.0')).toBe('0.0.0.0')
    expect(text('255.255.255.255')).toBe('255.255.255.255')
  })

  it('parses IPv6, in canonical form', () => {
    expect([text('::1'), kind('::1')]).toEqual(['::1', 'ipv6'])
    expect(text('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1')
  })

  it('removes brackets and surrounding spaces', () => {
    expect(text('[::1]')).toBe('::1')
    expect(text('[2001:db8::7]')).toBe('2001:db8::7')
    expect(text(' 10.0.0.1 ')).toBe('10.0.0.1')
    expect(text('\t::1 ')).toBe('::1')
  })

  it('removes an IPv6 zone id', () => {
    expect([text('fe80::1%eth0'), kind('fe80::1%eth0')]).toEqual(['fe80::1', 'ipv6'])
    expect(text('[fe80::1%25eth0]')).toBe('fe80::1')
    expect(text('fe80::1%2')).toBe('fe80::1')
  })

  it('reads IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    expect([text('::ffff:10.1.2.3'), kind('::ffff:10.1.2.3')]).toEqual(['10.1.2.3', 'ipv4'])
    expect(text('[::ffff:10.1.2.3]')).toBe('10.1.2.3')
    expect(text('::ffff:0a01:0203')).toBe('10.1.2.3')
    expect(text('::FFFF:127.0.0.1')).toBe('127.0.0.1')
  })

  it('refuses IPv4 shorthands and other spellings inet_aton would accept', () => {
    for (const s of ['10', '10.1', '1.2.3', '0x0a.0.0.1', '0x0a000001', '010.0.0.1', '1.2.3.04', '167772161', '10.0.0.256', '1.2.3.4.5']) {
      expect([s, parseAddress(s)]).toEqual([s, undefined])
    }
  })

  it('refuses garbage, ports and an empty string', () => {
    for (const s of ['', ' ', 'unknown', '_hidden', 'localhost', '1.2.3.4:80', '[::1]:80', '10.0.0.1%eth0', '10.0.0.0/8', '[10.0.0.1', '::1]', ':::1', '1.2.3.4,5.6.7.8', '%']) {
      expect([s, parseAddress(s)]).toEqual([s, undefined])
    }
  })

  it('never throws, whatever the input', () => {
    for (const s of ['[', ']', '[]', '%%', '::%', '::ffff:', '::ffff:1.2.3', '\u0000', 'a'.repeat(10_000), '1.'.repeat(1000)]) {
      expect(() => parseAddress(s)).not.toThrow()
    }
  })
})

describe('isAddressOrRange', () => {
  it('accepts addresses and CIDR ranges of both families', () => {
    for (const s of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '192.0.2.7/32', '::1', '2001:db8::/32', '::/0', '::ffff:10.0.0.0/104', '[::1]', 'fe80::1%eth0', ' 10.0.0.0/8 ']) {
      expect([s, isAddressOrRange(s)]).toEqual([s, true])
    }
  })

  it('refuses bad prefixes, bad addresses and shorthands', () => {
    for (const s of ['10.0.0.300/8', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '/8', '10/8', '1.2.3/24', '0x0a.0.0.0/8', '010.0.0.0/8', '::/129', 'x/8', '', 'any', '10.0.0.0/8/8', '10.0.0.0 /8']) {
      expect([s, isAddressOrRange(s)]).toEqual([s, false])
    }
  })
})

describe('compileRanges', () => {
  const matches = (entries: string[], address: string) => compileRanges(entries)(parseAddress(address)!)

  it('matches IPv4 CIDR ranges inclusively at both ends', () => {
    const ranges = ['10.0.0.0/8', '192.0.2.128/25']
    expect(matches(ranges, '10.0.0.0')).toBe(true)
    expect(matches(ranges, '10.255.255.255')).toBe(true)
    expect(matches(ranges, '11.0.0.0')).toBe(false)
    expect(matches(ranges, '9.255.255.255')).toBe(false)
    expect(matches(ranges, '192.0.2.128')).toBe(true)
    expect(matches(ranges, '192.0.2.255')).toBe(true)
    expect(matches(ranges, '192.0.2.127')).toBe(false)
  })

  it('matches IPv6 CIDR ranges', () => {
    const ranges = ['2001:db8::/32']
    expect(matches(ranges, '2001:db8::1')).toBe(true)
    expect(matches(ranges, '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(matches(ranges, '2001:db9::1')).toBe(false)
  })

  it('matches a single address exactly', () => {
    expect(matches(['192.0.2.7'], '192.0.2.7')).toBe(true)
    expect(matches(['192.0.2.7'], '192.0.2.8')).toBe(false)
    expect(matches(['::1'], '::1')).toBe(true)
    expect(matches(['::1'], '::2')).toBe(false)
    expect(matches(['fe80::1%eth0'], 'fe80::1%eth1')).toBe(true)
  })

  it('matches an IPv4-mapped rule against a plain IPv4 peer', () => {
    expect(matches(['::ffff:10.0.0.0/104'], '10.5.5.5')).toBe(true)
    expect(matches(['::ffff:10.0.0.0/104'], '11.0.0.1')).toBe(false)
    expect(matches(['::ffff:192.0.2.7'], '192.0.2.7')).toBe(true)
  })

  it('matches an IPv4 rule against an IPv4-mapped peer', () => {
    expect(matches(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe(true)
    expect(matches(['10.0.0.0/8'], '::ffff:11.1.2.3')).toBe(false)
    expect(matches(['127.0.0.1'], '[::ffff:127.0.0.1]')).toBe(true)
  })

  it('matches a whole family with /0, and only that family', () => {
    expect(matches(['0.0.0.0/0'], '203.0.113.9')).toBe(true)
    expect(matches(['0.0.0.0/0'], '::1')).toBe(false)
    expect(matches(['::/0'], '2001:db8::1')).toBe(true)
    expect(matches(['::/0'], '203.0.113.9')).toBe(false)
  })

  it('never matches across families', () => {
    expect(matches(['10.0.0.0/8'], '::a00:1')).toBe(false)
    expect(matches(['::a00:0/104'], '10.0.0.1')).toBe(false)
    expect(matches(['::1'], '127.0.0.1')).toBe(false)
    expect(matches(['127.0.0.1'], '::1')).toBe(false)
  })

  it('matches anything in any entry of a mixed list', () => {
    const ranges = ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']
    for (const address of ['10.9.9.9', '2001:db8::5', '192.0.2.7', '::ffff:192.0.2.7']) expect([address, matches(ranges, address)]).toEqual([address, true])
    for (const address of ['192.0.2.8', '2001:db7::1', '::1']) expect([address, matches(ranges, address)]).toEqual([address, false])
  })

  it('matches nothing when empty', () => {
    expect(matches([], '10.0.0.1')).toBe(false)
    expect(matches([], '::1')).toBe(false)
  })

  it('throws a TypeError for an entry that is not an address or range', () => {
    expect(() => compileRanges(['10.0.0.0/8', '10.0.0.300/8'])).toThrow(TypeError)
    expect(() => compileRanges(['10/8'])).toThrow('not an address or CIDR range: 10/8')
  })
})
