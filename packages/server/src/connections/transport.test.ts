/**
 * Issue 12 (security review M2): which addresses an upstream request may connect to, and that a
 * refusal reads exactly like an unreachable host. The connection attempts go to a real listening
 * socket that records them.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAllowedUpstreamUrl, isRefusedAddress, isSpecialAddress, upstreamPolicyOf, upstreamRequest } from './transport.js'
import { UpstreamError } from './upstream-error.js'

let socket: Server
let port: number
let accepted = 0
const open = new Set<Socket>()
beforeAll(async () => {
  socket = createServer((s) => {
    accepted++
    open.add(s)
    s.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n')
  })
  await new Promise<void>((resolve) => socket.listen(0, '127.0.0.1', resolve))
  port = (socket.address() as AddressInfo).port
})
afterAll(() => {
  for (const s of open) s.destroy()
  return new Promise((resolve) => socket.close(resolve))
})

const none = { issuer: 'https://idp.example', authorization_endpoint: null, token_endpoint: null, userinfo_endpoint: null, emails_endpoint: null }

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

describe('upstream transport (RFC 6890 special-purpose addresses)', () => {
  it('loopback, private, link-local, CGNAT, multicast, reserved and unspecified addresses are special, IPv4-mapped and IPv6 alike; public ones are not', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
      '::', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.5', '::ffff:7f00:1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', 'not-an-address']) {
      expect(isSpecialAddress(address), address).toBe(true)
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2001:4860:4860::8888']) expect(isSpecialAddress(address), address).toBe(false)
  })

  it('RFC 6052 §2.1, RFC 8215: a NAT64 address is judged by the IPv4 address it carries (64:ff9b::/96); the local-use prefix 64:ff9b:1::/48 is special', () => {
    for (const address of ['64:ff9b::7f00:1', '64:ff9b::127.0.0.1', '64:ff9b::a00:5', '64:ff9b::a9fe:a9fe', '64:ff9b:0:0:0:0:c0a8:101', '64:ff9b:1::8.8.8.8']) {
      expect(isSpecialAddress(address), address).toBe(true)
    }
    for (const address of ['64:ff9b::5db8:d822', '64:ff9b::8.8.8.8']) expect(isSpecialAddress(address), address).toBe(false)
    // private_network opens what the carried address's range opens, no more.
    expect(isRefusedAddress('64:ff9b::a00:5', { privateNetwork: true })).toBe(false)
    expect(isRefusedAddress('64:ff9b::7f00:1', { privateNetwork: true })).toBe(true)
  })

  it('private_network opens the private-use ranges (RFC 1918, RFC 6598, RFC 4193) to that connection only; loopback, link-local (cloud metadata) and the other special ranges stay refused', () => {
    const inside = { privateNetwork: true }
    const outside = { privateNetwork: false }
    for (const address of ['10.0.0.5', '172.16.4.2', '192.168.1.10', '100.64.0.1', 'fd00::1', '::ffff:10.0.0.5']) {
      expect(isRefusedAddress(address, inside), address).toBe(false)
      expect(isRefusedAddress(address, outside), address).toBe(true)
    }
    for (const address of ['127.0.0.1', '::1', '169.254.169.254', 'fe80::1', '0.0.0.0', '224.0.0.1', '::ffff:127.0.0.1']) {
      expect(isRefusedAddress(address, inside), address).toBe(true)
    }
    expect(isRefusedAddress('93.184.216.34', outside)).toBe(false)
    expect(upstreamPolicyOf({ issuer: 'https://keycloak.corp.internal/realms/corp', authorization_endpoint: null, token_endpoint: null, userinfo_endpoint: null, emails_endpoint: null, private_network: true }).privateNetwork).toBe(true)
  })

  it('http only to an origin the connection configures on loopback; https anywhere (the address is checked at connect time)', () => {
    const local = upstreamPolicyOf({ ...none, issuer: `http://127.0.0.1:${port}` })
    expect(isAllowedUpstreamUrl(new URL(`http://127.0.0.1:${port}/token`), local)).toBe(true)
    expect(isAllowedUpstreamUrl(new URL(`http://127.0.0.1:${port + 1}/token`), local)).toBe(false)
    expect(isAllowedUpstreamUrl(new URL('http://localhost/token'), local)).toBe(false)
    expect(isAllowedUpstreamUrl(new URL(`http://127.0.0.1:${port}/token`), upstreamPolicyOf(none))).toBe(false)
    expect(isAllowedUpstreamUrl(new URL('https://idp.example/token'), upstreamPolicyOf(none))).toBe(true)
  })

  it('no connection to a special address, by literal or by name; the failure is the one of a closed port', async () => {
    const policy = upstreamPolicyOf(none)
    const refused = await Promise.all([`https://127.0.0.1:${port}/t`, `https://localhost:${port}/t`, `https://[::ffff:127.0.0.1]:${port}/t`, `http://127.0.0.1:${port}/t`].map((u) => failure(upstreamRequest(policy, u, { method: 'POST', body: 'code=c' }))))
    expect(accepted).toBe(0)
    // A configured loopback origin is reached (the socket records it), and a closed one fails alike.
    const response = await upstreamRequest(upstreamPolicyOf({ ...none, issuer: `http://127.0.0.1:${port}` }), `http://127.0.0.1:${port}/t`)
    expect(response.status).toBe(204)
    expect(accepted).toBe(1)
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    const unreachable = await failure(upstreamRequest(upstreamPolicyOf({ ...none, issuer: `http://127.0.0.1:${closed}` }), `http://127.0.0.1:${closed}/t`))
    for (const error of refused) {
      expect(error.reason).toBe(unreachable.reason)
      expect(error.message.replace(/\S+:\/\/\S+/, 'URL')).toBe(unreachable.message.replace(/\S+:\/\/\S+/, 'URL'))
    }
  })
})
