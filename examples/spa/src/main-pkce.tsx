/**
 * PKCE mode: the public client `demo-spa` signs in from the browser with the authorization code
 * flow and PKCE; the tokens are kept in memory only. The issuer and client come from the SPA
 * server's `/app-config.json`, so one build runs against any Latch.
 */
import { AuthProvider } from '@latch/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import './styles.css'

interface PkceConfig {
  issuer: string
  clientId: string
  redirectUri: string
  postLogoutRedirectUri: string
  scope: string
}

const root = createRoot(document.getElementById('root') as HTMLElement)

fetch('/app-config.json', { headers: { accept: 'application/json' } })
  .then(async (response) => ((await response.json()) as { pkce: PkceConfig | null }).pkce)
  .then((config) => {
    if (config === null) {
      root.render(<p role="alert">PKCE mode is not enabled on this server.</p>)
      return
    }
    root.render(
      <StrictMode>
        <AuthProvider mode="pkce" {...config}>
          <App variant="pkce" issuer={config.issuer} />
        </AuthProvider>
      </StrictMode>,
    )
  })
  .catch(() => root.render(<p role="alert">Could not load the app configuration.</p>))
