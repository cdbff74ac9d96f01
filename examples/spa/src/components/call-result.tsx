/** Shows the last API answer: method, path, status and the JSON body. */
import type { ReactNode } from 'react'

export interface CallOutcome {
  label: string
  status: number
  body: unknown
}

/** Runs one request through `useAuth().fetch` and turns its answer into a `CallOutcome`. */
export async function call(label: string, send: () => Promise<Response>): Promise<CallOutcome> {
  try {
    const response = await send()
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: show the text
    }
    return { label, status: response.status, body }
  } catch (err) {
    return { label, status: 0, body: { error: err instanceof Error ? err.message : String(err) } }
  }
}

export function CallResult({ outcome }: { outcome: CallOutcome | null }): ReactNode {
  if (outcome === null) return <p>No call made yet.</p>
  return (
    <figure>
      <figcaption>
        {outcome.label}: <span aria-label="HTTP status">{outcome.status === 0 ? 'network error' : outcome.status}</span>
      </figcaption>
      <pre aria-label="API response">{JSON.stringify(outcome.body, null, 2)}</pre>
    </figure>
  )
}
