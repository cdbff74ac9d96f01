import { it } from 'vitest'
import { startServer, userToken, serviceToken } from '../helpers.js'
it('smoke', async () => {
  const s = await startServer()
  try {
    const d = await fetch(`${s.url}/.well-known/openid-configuration`)
    console.log(d.status, [...d.headers], await d.text())
    const t = await userToken(s.url)
    console.log(t)
    const u = await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } })
    console.log(u.status, [...u.headers], await u.text())
    console.log(await serviceToken(s.url, { resource: 'https://api.example.com' }))
  } finally { await s.close() }
})
