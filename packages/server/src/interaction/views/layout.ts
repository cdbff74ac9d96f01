/**
 * The HTML shell of every page Latch renders: plain server-side HTML that works without
 * JavaScript, readable on a phone (viewport + fluid width), with every interpolated value
 * escaped. Pages are strings, not a template engine: they are few and small.
 */

import { colourProperties, COLOURS, DEFAULT_LOOK, productName, type Look } from './branding.js'
import { DEFAULT_LOCALE, directionOf, messagesFor, type Locale } from './locales.js'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

/** Tagged template that escapes every interpolation unless it is already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    const rendered = Array.isArray(v)
      ? v.map((x) => (x instanceof SafeHtml ? x.value : escapeHtml(x))).join('')
      : v instanceof SafeHtml
        ? v.value
        : v === undefined || v === null || v === false
          ? ''
          : escapeHtml(v)
    out += rendered + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

/**
 * The page CSS. Colours meet WCAG 2.2 AA on the surfaces they sit on (white cards on a light grey
 * page): text ≥ 4.5:1 (§1.4.3), component boundaries and the focus ring ≥ 3:1 (§1.4.11), checked
 * by `contrast.test.ts`, which parses this string. Keyboard focus always shows a ring (§2.4.7).
 * Spacing that has a side uses logical properties (`padding-inline-start`), so right-to-left
 * pages (`dir="rtl"`) mirror without a second stylesheet. A branding's colours (issue 11) replace
 * the built-in ones through custom properties (`--latch-primary`, `--latch-on-primary`,
 * `--latch-background`, `--latch-on-background`), whose fallbacks here are the defaults that test checks.
 */
export const PAGE_CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--latch-background,${COLOURS.background});color:${COLOURS.text}}
header.brand{max-width:26rem;margin:2rem auto 0;padding:0 .5rem;display:flex;align-items:center;min-height:2.5rem;font-weight:700;font-size:1.15rem;color:var(--latch-on-background,${COLOURS.text});overflow-wrap:anywhere}
header.brand img{display:block;max-height:2.5rem;max-width:100%}
main{max-width:26rem;margin:1rem auto 1.5rem;padding:2rem;background:${COLOURS.card};border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
footer.links{max-width:26rem;margin:0 auto 2rem;padding:0 .5rem}footer.links ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;font-size:.9rem}
footer.links a{color:var(--latch-on-background,${COLOURS.text})}
@media (max-width:30rem){header.brand{margin:0;padding:1rem 1.5rem 0}main{margin:.5rem 0 0;border-radius:0;min-height:100vh;padding:1.5rem}footer.links{margin:0;padding:1rem 1.5rem 2rem}}
h1{font-size:1.35rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}label{display:block;font-weight:600;margin:1rem 0 .3rem}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.65rem;font-size:1rem;border:1px solid #767f8f;border-radius:8px;background:${COLOURS.card};color:${COLOURS.text}}
button,a.button{display:block;margin-top:1.25rem;width:100%;padding:.7rem;font-size:1rem;border:1px solid var(--latch-primary,${COLOURS.primary});border-radius:8px;background:var(--latch-primary,${COLOURS.primary});color:var(--latch-on-primary,${COLOURS.onPrimary});cursor:pointer;text-align:center;text-decoration:none}
button.secondary,a.button.secondary{background:#e6e8ee;color:${COLOURS.text};border:1px solid #767f8f}.actions{display:flex;gap:.75rem}.actions button{flex:1}
a{color:var(--latch-primary,${COLOURS.primary})}
:focus-visible{outline:3px solid var(--latch-primary,${COLOURS.primary});outline-offset:2px}
.error{background:#fdecec;color:#8a1c1c;padding:.75rem;border-radius:8px}.muted{color:#5b6475;font-size:.9rem}
fieldset{border:0;margin:0;padding:0;min-width:0}legend{font-weight:600;padding:0;margin:1rem 0 .3rem}
.choice{display:flex;align-items:center;gap:.75rem;margin:.5rem 0;padding:.7rem .8rem;border:1px solid #767f8f;border-radius:8px;background:${COLOURS.card}}
.choice label{margin:0;font-weight:400;flex:1;overflow-wrap:anywhere;cursor:pointer}.choice input[type=radio]{width:1.25rem;height:1.25rem;margin:0;flex:none;accent-color:var(--latch-primary,${COLOURS.primary})}
.notice{background:#eef3fd;color:${COLOURS.text};padding:.75rem;border-radius:8px}
ul.connections{list-style:none;margin:1rem 0;padding:0}ul.connections li{margin:.5rem 0}a.button.connection{margin-top:0;background:${COLOURS.card};color:${COLOURS.text};border:1px solid #767f8f;display:flex;align-items:center;justify-content:center;gap:.6rem}svg.connection-icon{flex:none}
p.or{text-align:center;margin:1rem 0 0}
ul.identities{list-style:none;margin:1rem 0;padding:0}ul.identities li{padding:.6rem 0;border-bottom:1px solid #d5d9e0;overflow-wrap:anywhere}ul.identities form button{margin-top:.5rem}
ul.scopes{padding-inline-start:1.2rem}ul.scopes li{margin:.3rem 0}code{font-size:.95em;overflow-wrap:anywhere}
.user-code,input.user-code{font:700 1.75rem/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;text-align:center}
p.user-code{margin:.25rem 0 1rem;padding:.6rem;border:2px solid ${COLOURS.text};border-radius:8px}.code-label{margin:0;font-weight:600}
`

/** The footer's links (support, terms, privacy), each shown when the branding sets its URL. */
function footer(look: Look, locale: Locale): string {
  const { branding } = look
  const words = messagesFor(locale, look).footer
  const links = ([[branding.support_url, words.support], [branding.terms_url, words.terms], [branding.privacy_url, words.privacy]] as const)
    .filter((link): link is readonly [string, string] => link[0] !== undefined)
  if (links.length === 0) return ''
  return `<footer class="links"><ul>${links.map(([href, text]) => `<li><a href="${escapeHtml(href)}">${escapeHtml(text)}</a></li>`).join('')}</ul></footer>\n`
}

/**
 * A page in `locale`, dressed in `look` (issue 11): `<html lang dir>` tell browsers and screen
 * readers the language and direction; the product's name titles the page and heads it (its logo,
 * with the name as alt text, when there is one); the branding's colours are custom properties
 * after the built-in styles, and its stylesheet is linked last, so it can restyle anything.
 */
export function page(title: string, body: SafeHtml, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK, head?: SafeHtml): string {
  const { branding } = look
  const product = productName(branding)
  const colours = colourProperties(branding)
  return `<!doctype html>
<html lang="${locale}" dir="${directionOf(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${escapeHtml(product)}</title>
${head !== undefined ? `${head.value}\n` : ''}${branding.favicon_url !== undefined ? `<link rel="icon" href="${escapeHtml(branding.favicon_url)}">\n` : ''}<style>${PAGE_CSS}</style>
${colours ? `<style>${colours}</style>\n` : ''}${look.stylesheet !== undefined ? `<link rel="stylesheet" href="${escapeHtml(look.stylesheet)}">\n` : ''}</head>
<body>
<header class="brand">${branding.logo_url !== undefined ? `<img src="${escapeHtml(branding.logo_url)}" alt="${escapeHtml(product)}">` : `<span>${escapeHtml(product)}</span>`}</header>
<main>
${body.value}
</main>
${footer(look, locale)}</body>
</html>`
}

export function errorPage(title: string, message: string, detail?: string, locale: Locale = DEFAULT_LOCALE, look: Look = DEFAULT_LOOK): string {
  return page(
    title,
    html`<h1>${title}</h1>
<p class="error" role="alert">${message}</p>
${detail ? html`<p class="muted">${detail}</p>` : ''}`,
    locale,
    look,
  )
}
