/**
 * Issue 13: work done after the response (mail, and what decides whether there is any), so that a
 * request's answer and timing do not depend on it: "check your email" comes back the same whether
 * the address has an account or not (no user enumeration). A failure is logged by name only (the
 * task's own error, never its arguments); `settled()` waits for what is under way (server close, tests).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
export interface TaskLog {
  error(details: Record<string, unknown>, message: string): void
}

export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>()

  /** Runs `task` on a later turn of the event loop, after the caller has answered. */
  run(name: string, log: TaskLog, task: () => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((err: unknown) => log.error({ task: name, err: { name: (err as Error | null)?.name, message: (err as Error | null)?.message } }, 'background task failed'))
      .finally(() => this.#running.delete(done))
    this.#running.add(done)
  }

  /** Resolves once every task started so far (and those they start) has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }
}
