/**
 * The organization switcher: radio buttons labelled with the organizations' names and a submit
 * button, in a form with a legend, so it works with the keyboard and a screen reader like any
 * form. The current organization is `useAuth().organization` (the `org_id` of the tokens); the
 * names come from the app's configuration (`/app-config.json`), since a token names only the
 * organization it is for. Switching: PKCE mode exchanges the tokens in place (RFC 8693), BFF mode
 * signs in again for that organization (silent with a single sign-on session). A refusal (not a
 * member) is announced in an alert, from a fixed table of sentences.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 */
import { AuthError, describeAuthError, useAuth } from '@latch/react'
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react'

export interface Organization {
  id: string
  name: string
}

/** The organizations the app knows, from `/app-config.json` (empty until it answered). */
export function useOrganizations(): Organization[] {
  const [organizations, setOrganizations] = useState<Organization[]>([])
  useEffect(() => {
    let live = true
    window
      .fetch('/app-config.json', { headers: { accept: 'application/json' } })
      .then(async (response) => ((await response.json()) as { organizations?: Organization[] }).organizations ?? [])
      .then((list) => live && setOrganizations(list))
      .catch(() => {})
    return () => {
      live = false
    }
  }, [])
  return organizations
}

export function OrganizationSwitcher(): ReactNode {
  const { organization, switchOrganization } = useAuth()
  const known = useOrganizations()
  const [choice, setChoice] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const headingId = useId()
  // The current organization is listed even when the configuration does not name it.
  const organizations = organization === null || known.some((o) => o.id === organization) ? known : [...known, { id: organization, name: organization }]
  const selected = choice ?? organization ?? ''
  const current = organizations.find((o) => o.id === organization)?.name ?? organization

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (selected === '' || selected === organization) return
    setBusy(true)
    setError(null)
    try {
      await switchOrganization(selected)
      setChoice(null)
    } catch (err) {
      setError(describeAuthError(err instanceof AuthError ? err : { code: 'server_error' }))
    } finally {
      setBusy(false)
    }
  }

  if (organizations.length === 0) return null
  return (
    <form className="organizations" aria-labelledby={headingId} onSubmit={(event) => void onSubmit(event)}>
      <fieldset>
        <legend id={headingId}>Organization</legend>
        <p aria-live="polite">
          Current organization: <strong data-organization={organization ?? ''}>{current ?? 'none'}</strong>
        </p>
        {organizations.map((o) => (
          <label key={o.id}>
            <input type="radio" name="organization" value={o.id} checked={selected === o.id} onChange={() => setChoice(o.id)} /> {o.name}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy || selected === '' || selected === organization}>
        Switch organization
      </button>
      {error !== null && <p role="alert">{error}</p>}
    </form>
  )
}
