/**
 * PostgreSQL's jsonb cannot hold U+0000 in any string ("unsupported Unicode escape sequence"),
 * and neither can the read models. Inputs carrying it are refused at the edges (HTTP, MQTT)
 * with a clear reason, instead of failing at the append: a device retrying such a message
 * would otherwise never get its PUBACK.
 */
export function hasNulCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNulCharacter);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNulCharacter(v));
  }
  return false;
}
