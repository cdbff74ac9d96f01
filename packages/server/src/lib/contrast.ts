/**
 * WCAG 2.2 contrast: the ratio (L1 + 0.05) / (L2 + 0.05) of two colours' relative luminances,
 * from 1:1 to 21:1. AA asks 4.5:1 for text (§1.4.3), 3:1 for large text and for the boundaries of
 * user interface components and focus indicators (§1.4.11). Colours are `#rrggbb`.
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/WCAG22/#non-text-contrast
 * @see https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
 */

/** WCAG AA minimums: normal text, and large text or UI components. */
export const AA_TEXT = 4.5
export const AA_NON_TEXT = 3

/** The relative luminance of `#rrggbb` (sRGB, linearised). */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The contrast ratio of two `#rrggbb` colours, in either order. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}
