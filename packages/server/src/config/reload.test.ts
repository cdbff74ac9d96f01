import { describe, expect, it } from 'vitest'
import { loadConfig } from './load.js'
import { planReload, RELOADABLE_KEYS } from './reload.js'

const env = { LATCH_SECRET: 'reload-secret-0123456789abcdefghijklmnop' }
const load = (config: Record<string, unknown>) =>
  loadConfig({ config: { issuer: 'https://op.example.test', database: 'sqlite::memory:', ...config }, env }).config
const client = (client_id: string) => ({ client_id, client_secret: `${client_id}-secret-0123456789abcdefghijklmnop`, grant_types: ['client_credentials'] })

describe('issue 14: planReload (config/reload.ts)', () => {
  it('issue 14: clients, users, organizations and branding are taken from the new file', () => {
    expect([...RELOADABLE_KEYS]).toEqual(['clients', 'users', 'organizations', 'branding'])
    const running = load({ clients: [client('a')] })
    const plan = planReload(running, load({ clients: [client('a'), client('b')], branding: { product_name: 'New' } }))
    expect(plan.applied.sort()).toEqual(['branding', 'clients'])
    expect(plan.refused).toEqual([])
    expect(plan.config.clients.map((c) => c.client_id)).toEqual(['a', 'b'])
    expect(plan.config.branding.product_name).toBe('New')
    expect(Object.isFrozen(plan.config)).toBe(true)
  })

  it('issue 14: any other key that changed is refused and keeps its running value', () => {
    const running = load({ tokens: { access_token_ttl: 600 } })
    const plan = planReload(running, load({ issuer: 'https://other.example.test', tokens: { access_token_ttl: 60 }, port: 9999 }))
    expect(plan.refused.sort()).toEqual(['issuer', 'port', 'tokens'])
    expect(plan.applied).toEqual([])
    expect(plan.config.issuer).toBe('https://op.example.test')
    expect(plan.config.tokens.access_token_ttl).toBe(600)
    expect(plan.config.port).toBe(running.port)
  })

  it('issue 14: the clients the running file listed and the new one does not are the ones to delete', () => {
    const plan = planReload(load({ clients: [client('a'), client('b')] }), load({ clients: [client('b'), client('c')] }))
    expect(plan.removedClients).toEqual(['a'])
  })

  it('issue 14: an unchanged file applies and refuses nothing', () => {
    const plan = planReload(load({ clients: [client('a')] }), load({ clients: [client('a')] }))
    expect(plan).toMatchObject({ applied: [], refused: [], removedClients: [] })
  })
})
