// Loading resources from YAML: files, directories (recursive), stdin; multi-document; every
// document keeps the source positions of its fields. Parsing only: validation lives elsewhere.

/** A place in a source: `file` is a path or `-` for stdin; line and column count from 1. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One YAML document of a source. */
export interface LoadedDocument {
  /** The source it came from (a path, or `-` for stdin). */
  readonly file: string;
  /** Index of the document in its file, from 0. */
  readonly index: number;
  /** The parsed value (undefined for an empty document or one that failed to parse). */
  readonly value: unknown;
  /** Where the document starts. */
  readonly position: SourcePosition;
  /** Syntax problems of this document (a broken document does not hide its siblings). */
  readonly syntaxErrors: readonly { readonly message: string; readonly position: SourcePosition }[];
  /** The position of a field path (`spec.http[0].route`), or of its nearest existing ancestor. */
  locate(path: string): SourcePosition;
}
