/**
 * Issue 14: `validateWithLoader` judges an administrator's entries by the config file's rules but
 * takes their values literally: `${VAR}` is the file's way to name the environment, and substituted
 * in a CLI flag or an admin API body it would put the deployment's secret (LATCH_SECRET, the only
 * variable it is given) into a stored client name or connection and the answers that show them.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { ConfigError } from '../errors.js'
import { validateWithLoader } from './validate.js'

const SECRET = 'validate-test-secret-0123456789abcdef01'
const { config } = loadConfig({ config: { issuer: 'https://id.example.com', database: 'sqlite::memory:' }, env: { LATCH_SECRET: SECRET } })

describe('issue 14: validateWithLoader', () => {
  it('issue 14: ${VAR} in an entry is literal, never the environment (not even LATCH_SECRET, nor a :- default)', () => {
    const loaded = validateWithLoader(config, {
      clients: [{ client_id: 'c', client_name: '${LATCH_SECRET}', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] }],
      connections: [{ id: 'gh', type: 'github', client_id: '${LATCH_SECRET:-x}', client_secret: '${NOT_SET}' }],
    })
    expect(loaded.config.clients[0]!.client_name).toBe('${LATCH_SECRET}')
    expect(loaded.config.connections[0]!.client_id).toBe('${LATCH_SECRET:-x}')
    expect(loaded.config.connections[0]!.secrets.client_secret).toBe('${NOT_SET}')
    expect(JSON.stringify(loaded.config.clients) + JSON.stringify(loaded.config.connections)).not.toContain(SECRET)
  })

  it('issue 14: the rules are still the loader\'s, keyed as in the file, and the running config is left as it was', () => {
    const before = JSON.stringify(config.security)
    expect(() => validateWithLoader(config, { organizations: [{ id: 'Bad Id', name: 'x' }] })).toThrow(ConfigError)
    try {
      validateWithLoader(config, { organizations: [{ id: 'Bad Id', name: 'x' }] })
    } catch (err) {
      expect((err as ConfigError).key).toBe('organizations[0].id')
    }
    expect(JSON.stringify(config.security)).toBe(before)
  })
})
