const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/**
 * Alertmanager's fingerprint of a label set: FNV-1a 64 over the labels sorted by name, each
 * name and value followed by byte 0xFF, as 16 lower-case hex digits (prometheus/common
 * `model/signature.go`). Equal label sets get equal fingerprints in Prometheus, Alertmanager and
 * pulsewatch, so receivers can deduplicate across all three.
 */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  let hash = OFFSET;
  const add = (byte: number): void => {
    hash = ((hash ^ BigInt(byte)) * PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of encoder.encode(name)) add(byte);
    add(SEPARATOR);
    for (const byte of encoder.encode(labels[name]!)) add(byte);
    add(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
