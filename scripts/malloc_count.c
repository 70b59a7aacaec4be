// LD_PRELOAD malloc/calloc/realloc counter for scripts/check-no-alloc.sh: prints "mallocs: N" at exit.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
static atomic_long n;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t s) { atomic_fetch_add(&n, 1); return __libc_malloc(s); }
void *calloc(size_t a, size_t b) { atomic_fetch_add(&n, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t s) { atomic_fetch_add(&n, 1); return __libc_realloc(p, s); }
__attribute__((destructor)) static void report(void) { fprintf(stderr, "mallocs: %ld\n", (long)n); }
