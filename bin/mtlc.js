#!/bin/sh
//bin/true; export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1"; exec node "$0" "$@"
// Run as a program (npx mtlc, ./bin/mtlc.js), the line above is shell: it starts Node with glibc's
// allocator asking for transparent huge pages for large blocks (the bound data, tensors), which
// makes touching fresh memory several times cheaper where page faults are slow, as in many VMs
// (docs/performance.md, "Data ingest"). Run as `node bin/mtlc.js`, both lines are comments.
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
