import type { ConfigInput } from 'portcullis'

/** Clients connect directly: the TCP peer is the client. */
export const direct = {
  network: { allow: ['10.0.0.0/8', '192.168.10.25', '2001:db8::/32'] },
} satisfies ConfigInput

/** Behind load balancers that append to X-Forwarded-For. */
export const behindProxies = {
  network: {
    allow: ['203.0.113.0/24', '198.51.100.7'],
    trustedProxies: ['10.0.0.2', '10.0.0.3'],
    clientAddressHeader: 'X-Forwarded-For', // the default
  },
} satisfies ConfigInput

/** Behind one nginx on the same host that sets X-Real-IP. */
export const behindNginx = {
  network: {
    allow: ['203.0.113.0/24'],
    trustedProxies: ['127.0.0.1', '::1'],
    clientAddressHeader: 'X-Real-IP',
  },
} satisfies ConfigInput
