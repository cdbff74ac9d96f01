/**
 * Which language a page is shown in: the authorization request's `ui_locales` (OIDC Core
 * §3.1.2.1: space-separated BCP 47 tags, most preferred first), then the browser's
 * `Accept-Language` (RFC 9110 §12.5.4: ranges weighted by `q`, `*` for any, `q=0` for "not
 * this"), then the default. A tag matches a supported language by its primary language subtag
 * (`de-AT` is German). Both inputs are anonymous: they are bounded in length and number of tags,
 * and anything malformed is skipped rather than refused (a page must always be shown).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */

/** Longest `Accept-Language` header or `ui_locales` value read; a longer one is ignored whole. */
export const MAX_LANGUAGE_INPUT_LENGTH = 1024
/** Most language tags or ranges read from one input; the rest are ignored. */
export const MAX_LANGUAGE_TAGS = 32

/** RFC 5646 §2.1 in outline: alphanumeric subtags of 1–8 characters, the first alphabetic. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/
/** RFC 9110 §12.4.2: a weight is 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

function primary(tag: string): string {
  return tag.split('-', 1)[0]!.toLowerCase()
}

/**
 * OIDC Core §3.1.2.1: the supported languages `ui_locales` names, in its order, without
 * duplicates; unsupported or malformed tags are skipped (the parameter is a preference, never an
 * error).
 */
export function parseUiLocales<L extends string>(value: string | undefined, supported: readonly L[]): L[] {
  if (value === undefined || value.length > MAX_LANGUAGE_INPUT_LENGTH) return []
  const out: L[] = []
  for (const tag of value.split(' ').filter((t) => t !== '').slice(0, MAX_LANGUAGE_TAGS)) {
    if (!LANGUAGE_TAG.test(tag)) continue
    const match = supported.find((s) => s === primary(tag))
    if (match !== undefined && !out.includes(match)) out.push(match)
  }
  return out
}

/**
 * RFC 9110 §12.5.4: the best supported language of an `Accept-Language` header, or undefined.
 * Higher `q` first, header order among equals; `q=0` on a language excludes it, also from what
 * `*` stands for; `*` is the first supported language not excluded.
 */
export function matchAcceptLanguage<L extends string>(header: string | undefined, supported: readonly L[]): L | undefined {
  if (header === undefined || header.length > MAX_LANGUAGE_INPUT_LENGTH) return undefined
  const ranges: { range: string; q: number; index: number }[] = []
  for (const [index, item] of header.split(',').slice(0, MAX_LANGUAGE_TAGS).entries()) {
    const [rawRange = '', ...params] = item.split(';').map((p) => p.trim())
    if (rawRange !== '*' && !LANGUAGE_TAG.test(rawRange)) continue
    let q = 1
    let valid = true
    for (const param of params) {
      const [name = '', weight = ''] = param.split('=').map((p) => p.trim())
      if (name.toLowerCase() !== 'q') continue
      if (!QVALUE.test(weight)) valid = false
      else q = Number(weight)
    }
    if (valid) ranges.push({ range: rawRange === '*' ? '*' : rawRange.toLowerCase(), q, index })
  }
  // Only a bare language refused (`de;q=0`) excludes it: `de-AT;q=0` says nothing about `de-DE`.
  const excluded = new Set(ranges.filter((r) => r.q === 0 && !r.range.includes('-')).map((r) => r.range))
  ranges.sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { range, q } of ranges) {
    if (q === 0) break
    if (range === '*') {
      const any = supported.find((s) => !excluded.has(s))
      if (any !== undefined) return any
      continue
    }
    const match = supported.find((s) => s === primary(range))
    if (match !== undefined && !excluded.has(match)) return match
  }
  return undefined
}

/** The page language: the request's `ui_locales` (already parsed), else `Accept-Language`, else `fallback`. */
export function negotiateLocale<L extends string>(
  input: { uiLocales?: readonly string[] | undefined; acceptLanguage?: string | undefined },
  supported: readonly L[],
  fallback: L,
): L {
  const fromUi = (input.uiLocales ?? []).find((t): t is L => (supported as readonly string[]).includes(t))
  return fromUi ?? matchAcceptLanguage(input.acceptLanguage, supported) ?? fallback
}
