/**
 * The language server's own limits (docs/security.md), so that no buffer an editor sends makes one
 * request block for more than about 100 ms, or the server's memory grow without bound. The server is
 * single-threaded and compiles synchronously, so the time of a request is bounded by bounding what
 * one compile reads; the memory, by bounding the texts it holds and the results it keeps.
 */
/**
 * Bytes of source one analysis reads, a document and its imports together: compiling 32 KiB takes
 * about 30 ms on one core of a 2-core cloud machine, 60 ms when the machine is loaded (`npm run bench:lsp`).
 */
export const MAX_ANALYSED_BYTES = 32 * 1024;

/** Files one analysis reads, the document included: each costs a read and a parse of its own. */
export const MAX_ANALYSED_FILES = 32;

/** Analyses and parsed imports kept (each of at most 32 KiB of source, about 2 MB of heap). */
export const MAX_CACHED = 64;

/**
 * Bytes of all open documents held together; a document that would pass it is kept empty, and not
 * analysed. One document may have at most the 4 MiB of a source file (`maxSourceBytes`).
 */
export const MAX_OPEN_BYTES = 64 * 2 ** 20;
