/**
 * Hot statements built with Kysely once per store and then only executed: building a query
 * (operation tree, `freeze`, `visitNode`, compiling to SQL) cost 13–16% of the CPU of a code round
 * trip and of a refresh (bench/README.md), for SQL text that is the same on every call. A statement
 * is built on its first execution with placeholders for its arguments, compiled to the dialect's
 * SQL, and executed from then on with the compiled text and new parameters (`db.executeQuery`), so
 * Kysely stays the one SQL builder and the SQLite statement cache (`dialects/sqlite.ts`) sees one
 * text per statement.
 *
 * The builder must not branch on argument values (they are placeholders when it runs): a statement
 * whose shape depends on its arguments is one statement per shape (`shapes`).
 * @see https://kysely.dev/docs/recipes/splitting-query-building-and-execution
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import type { Database } from '../database.js'
import type { Db } from './shared.js'

/** An argument's place among a compiled statement's parameters, found by identity after compiling. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Each parameter of the compiled SQL: an argument by name, or a constant the builder wrote. */
type Slot = { arg: string } | { constant: unknown }

export interface Statement<A, R> {
  /** Runs the statement on `db` (the store's Kysely or a transaction) with `args`. */
  execute(db: Db, args: A): Promise<QueryResult<R>>
  /** The first row, or undefined. */
  first(db: Db, args: A): Promise<R | undefined>
}

/**
 * A statement built by `build` once, on first use. `build` gets a database to build on and the
 * arguments as placeholders typed as their values; every argument must reach the SQL as a bound
 * parameter (a value in `where`, `values`, `set`, or `sql` template), never be inspected.
 */
export function statement<A extends object, R>(build: (db: Kysely<Database>, args: A) => Compilable<R>): Statement<A, R> {
  let compiled: { query: CompiledQuery<R>; slots: Slot[] } | undefined
  const compile = (db: Db) => {
    const args = new Proxy({} as A, { get: (_, name) => new Placeholder(String(name)) })
    const query = build(db as Kysely<Database>, args).compile()
    const slots = query.parameters.map((value): Slot => (value instanceof Placeholder ? { arg: value.name } : { constant: value }))
    return { query, slots }
  }
  const run = (db: Db, args: A): Promise<QueryResult<R>> => {
    compiled ??= compile(db)
    const { query, slots } = compiled
    const parameters = slots.map((slot) => ('arg' in slot ? ((args as Record<string, unknown>)[slot.arg] ?? null) : slot.constant))
    return db.executeQuery<R>({ ...query, parameters })
  }
  return {
    execute: run,
    async first(db, args) {
      return (await run(db, args)).rows[0]
    },
  }
}

/** One statement per shape, for a builder whose SQL depends on some of its inputs (which conditions a write re-checks, say). */
export function shapes<K extends string, A extends object, R>(build: (shape: K) => (db: Kysely<Database>, args: A) => Compilable<R>): (shape: K) => Statement<A, R> {
  const byShape = new Map<K, Statement<A, R>>()
  return (shape) => {
    let found = byShape.get(shape)
    if (!found) byShape.set(shape, (found = statement(build(shape))))
    return found
  }
}
