/** BFF mode (recommended): the SPA talks only to its own origin, where the BFF keeps the tokens. */
import { AuthProvider } from '@latch/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import './styles.css'

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AuthProvider mode="bff" basePath="/auth" apiPrefix="/api">
      <App variant="bff" />
    </AuthProvider>
  </StrictMode>,
)
