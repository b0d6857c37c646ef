// The Weft release version, shared by every binary's `--version`.

/** The version of this Weft release (kept in step with every package.json by scripts/check-versions). */
export const WEFT_VERSION = '0.1.0';
