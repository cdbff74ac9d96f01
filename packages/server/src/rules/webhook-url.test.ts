import { describe, expect, it } from 'vitest'
import { webhookUrlProblem } from './webhook-url.js'

describe('webhookUrlProblem', () => {
  it('issue 14 (as OIDC Back-Channel Logout §2.2 for backchannel_logout_uri): https anywhere, http to loopback only', () => {
    expect(webhookUrlProblem('https://alerts.example/hook?team=sec')).toBeNull()
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook')).toBeNull()
    expect(webhookUrlProblem('http://localhost/hook')).toBeNull()
    expect(webhookUrlProblem('http://[::1]:9/hook')).toBeNull()
    expect(webhookUrlProblem('http://alerts.example/hook')).toMatch(/must use https/)
    expect(webhookUrlProblem('ftp://alerts.example/hook')).toMatch(/https URL/)
    expect(webhookUrlProblem('https://user:pw@alerts.example/hook')).toMatch(/credentials/)
    expect(webhookUrlProblem('https://alerts.example/hook#x')).toMatch(/fragment/)
    expect(webhookUrlProblem('/hook')).toMatch(/absolute https URL/)
  })
})
