/**
 * Issue 14: the `tracing.*` keys as `loadConfig` resolves them: off by default; the endpoint and
 * service name from the file, else from the standard OpenTelemetry environment, else the local
 * collector and `latch`; the endpoint an http(s) URL without credentials.
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig } from './load.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>, e: Record<string, string | undefined> = {}) =>
  loadConfig({ config, env: { ...env, ...e }, cwd: mkdtempSync(join(tmpdir(), 'latch-tracing-')) }).config.tracing

describe('tracing config', () => {
  it('issue 14: off by default, sampling everything, the local collector and service name latch', () => {
    expect(load({})).toEqual({ enabled: false, endpoint: 'http://localhost:4318/v1/traces', service_name: 'latch', sample_ratio: 1 })
  })

  it('OTel exporter spec: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is; OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces; OTEL_SERVICE_NAME names the service', () => {
    expect(load({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://other.example' }).endpoint).toBe('https://collector.example/custom')
    expect(load({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/' }).endpoint).toBe('https://collector.example:4318/v1/traces')
    expect(load({}, { OTEL_SERVICE_NAME: 'idp-eu' }).service_name).toBe('idp-eu')
  })

  it('issue 14: the config file wins over the environment', () => {
    const tracing = load({ tracing: { enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', service_name: 'from-file', sample_ratio: 0.25 } }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://env.example/v1/traces', OTEL_SERVICE_NAME: 'from-env' })
    expect(tracing).toEqual({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', service_name: 'from-file', sample_ratio: 0.25 })
  })

  it('issue 14: a bad endpoint or ratio stops the start naming the key; credentials in the URL are refused', () => {
    const fails = (config: Record<string, unknown>, e: Record<string, string> = {}) => {
      try {
        load(config, e)
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        return (err as Error).message
      }
      throw new Error('expected a ConfigError')
    }
    expect(fails({ tracing: { endpoint: 'grpc://collector:4317' } })).toMatch(/^config: tracing\.endpoint must use http: or https:/)
    expect(fails({ tracing: { endpoint: 'not a url' } })).toMatch(/^config: tracing\.endpoint must be an http\(s\) URL/)
    expect(fails({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pw@collector.example/v1/traces' })).toMatch(/tracing\.endpoint must not carry credentials.*from the OTEL_EXPORTER_OTLP_\* environment/)
    expect(fails({ tracing: { sample_ratio: 1.5 } })).toMatch(/^config: tracing\.sample_ratio/)
  })

  it('security review L7: the endpoint is https, or http to a loopback host only (spans and OTEL_EXPORTER_OTLP_HEADERS never in clear); else a ConfigError naming tracing.endpoint', () => {
    const fails = (config: Record<string, unknown>, e: Record<string, string> = {}) => {
      try {
        load(config, e)
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        return (err as Error).message
      }
      throw new Error('expected a ConfigError')
    }
    for (const endpoint of ['http://otel-collector:4318/v1/traces', 'http://10.0.0.5:4318/v1/traces', 'http://collector.example/v1/traces', 'http://[2001:db8::1]:4318/v1/traces', 'http://localhost.evil.example/v1/traces', 'http://127.0.0.1.nip.io/v1/traces']) {
      expect(fails({ tracing: { enabled: true, endpoint } }), endpoint).toMatch(/^config: tracing\.endpoint must use https \(http only to a loopback host/)
    }
    // From the environment too, and said so.
    expect(fails({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toMatch(/tracing\.endpoint must use https.*from the OTEL_EXPORTER_OTLP_\* environment/)
    for (const endpoint of ['https://collector.example/v1/traces', 'http://localhost:4318/v1/traces', 'http://127.0.0.1:4318/v1/traces', 'http://127.9.9.9/v1/traces', 'http://[::1]:4318/v1/traces']) {
      expect(load({ tracing: { enabled: true, endpoint } }).endpoint).toBe(endpoint)
    }
    // The default (a local collector) loads.
    expect(load({ tracing: { enabled: true } }).endpoint).toBe('http://localhost:4318/v1/traces')
  })
})
