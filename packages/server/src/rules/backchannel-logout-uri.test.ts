import { describe, expect, it } from 'vitest'
import { backchannelLogoutUriProblem } from './backchannel-logout-uri.js'

describe('backchannelLogoutUriProblem', () => {
  it('OIDC Back-Channel Logout §2.2: an absolute https URI, a query allowed, is registrable', () => {
    expect(backchannelLogoutUriProblem('https://rp.example/backchannel-logout')).toBeNull()
    expect(backchannelLogoutUriProblem('https://rp.example/logout?tenant=a')).toBeNull()
  })
  it('OIDC Back-Channel Logout §2.2: a fragment is refused', () => {
    expect(backchannelLogoutUriProblem('https://rp.example/logout#x')).toMatch(/fragment/)
  })
  it('OIDC Back-Channel Logout §2.2: a relative URI is refused', () => {
    expect(backchannelLogoutUriProblem('/logout')).toMatch(/absolute/)
  })
  it('http only to a loopback host; other schemes never', () => {
    expect(backchannelLogoutUriProblem('http://127.0.0.1:8080/bcl')).toBeNull()
    expect(backchannelLogoutUriProblem('http://localhost/bcl')).toBeNull()
    expect(backchannelLogoutUriProblem('http://[::1]:3000/bcl')).toBeNull()
    expect(backchannelLogoutUriProblem('http://rp.example/bcl')).toMatch(/https/)
    expect(backchannelLogoutUriProblem('ftp://rp.example/bcl')).toMatch(/ftp:/)
  })
})
