// A persistent worker pool for the engine's parallel loops: helpers spin briefly between regions (a region is
// often 5–200 µs, and waking a sleeping thread costs 10–50 µs), then sleep on a futex so that an idle session
// costs nothing.
#define _GNU_SOURCE
#include "CInferenceKernels.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// Each helper waits on its own slot, so a region wakes only the helpers it uses. A helper that wakes takes part
// in a region by entering its gate (one compare-and-swap); the caller, once it has run out of chunks itself,
// closes the gate and waits only for the helpers that entered. So a helper that is late (its core taken by
// something else, or still waking up) never holds a region up: it finds the gate closed and goes back to
// waiting. Chunks are claimed dynamically (vk_pool_next), so whoever is there does the work.
struct vk_pool_helper {
    // The futex word: bumped once per region this helper is asked to join (and at shutdown).
    _Alignas(64) _Atomic uint32_t ticket;
    _Atomic int sleeping;
    struct vk_pool *pool;
    int index;
};

#define GATE_CLOSED 0x40000000

struct vk_pool {
    vk_task_fn fn;
    void *ctx;
    _Atomic int stop;
    int helpers;
    // How long idle helpers spin now (read by them) and at most (the configured value): see vk_pool_run.
    _Atomic long spin_ns;
    long spin_max_ns;
    // Regions in a row without a long wait, up to 256 (the caller's own).
    int calm;
    pthread_t *threads;
    struct vk_pool_helper *slots;
    // Helpers that entered the current region, | GATE_CLOSED once the caller has closed it (and between regions).
    _Alignas(64) _Atomic int gate;
    // Helpers of the current region that have finished.
    _Atomic int done;
    // The next chunk of the current region (vk_pool_next).
    _Alignas(64) _Atomic int next;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

static void *helper_main(void *arg) {
    struct vk_pool_helper *h = arg;
    struct vk_pool *p = h->pool;
    uint32_t seen = 0;
    for (;;) {
        // Wait for the next region: spin for spin_ns, then sleep until the ticket moves.
        uint32_t t = atomic_load_explicit(&h->ticket, memory_order_acquire);
        if (t == seen) {
            long start = now_ns();
            unsigned n = 0;
            for (;;) {
                cpu_relax();
                t = atomic_load_explicit(&h->ticket, memory_order_acquire);
                if (t != seen) break;
                if ((++n & 63) != 0) continue;
                // Sharing a core with the caller (or anything else): let it run.
                sched_yield();
                if (now_ns() - start > atomic_load_explicit(&p->spin_ns, memory_order_relaxed)) {
                    atomic_store_explicit(&h->sleeping, 1, memory_order_seq_cst);
                    // Sleeps only if the ticket is still `seen` (the kernel re-checks it).
                    futex_wait(&h->ticket, seen);
                    atomic_store_explicit(&h->sleeping, 0, memory_order_relaxed);
                    t = atomic_load_explicit(&h->ticket, memory_order_acquire);
                    if (t != seen) break;
                    start = now_ns();
                }
            }
        }
        seen = t;
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        int g = atomic_load_explicit(&p->gate, memory_order_acquire);
        while (!(g & GATE_CLOSED)) {
            if (atomic_compare_exchange_weak_explicit(&p->gate, &g, g + 1, memory_order_acq_rel,
                                                      memory_order_acquire)) {
                p->fn(p->ctx, h->index);
                atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
                break;
            }
        }
    }
}

static void signal_helper(struct vk_pool_helper *h) {
    atomic_fetch_add_explicit(&h->ticket, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&h->sleeping, memory_order_seq_cst)) futex_wake_all(&h->ticket);
}

vk_pool *vk_pool_create(int threads, long spin_ns) {
    vk_pool *p = aligned_alloc(64, (sizeof(vk_pool) + 63) & ~(size_t)63);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    atomic_store_explicit(&p->gate, GATE_CLOSED, memory_order_relaxed);
    int helpers = threads > 1 ? threads - 1 : 0;
    p->spin_max_ns = spin_ns < 0 ? 0 : spin_ns;
    atomic_store_explicit(&p->spin_ns, p->spin_max_ns, memory_order_relaxed);
    p->threads = calloc((size_t)(helpers ? helpers : 1), sizeof(pthread_t));
    p->slots = aligned_alloc(64, (size_t)(helpers ? helpers : 1) * sizeof(struct vk_pool_helper));
    if (!p->threads || !p->slots) { free(p->threads); free(p->slots); free(p); return NULL; }
    memset(p->slots, 0, (size_t)(helpers ? helpers : 1) * sizeof(struct vk_pool_helper));
    for (int i = 0; i < helpers; i++) {
        p->slots[i].pool = p;
        p->slots[i].index = i + 1;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        // The kernels keep their tiles in per-worker scratch, not on the stack.
        pthread_attr_setstacksize(&attr, 512 * 1024);
        int rc = pthread_create(&p->threads[i], &attr, helper_main, &p->slots[i]);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        p->helpers = i + 1;
    }
    return p;
}

int vk_pool_threads(const vk_pool *p) { return p->helpers + 1; }

long vk_pool_spin_ns(const vk_pool *p) { return atomic_load_explicit(&((vk_pool *)p)->spin_ns, memory_order_relaxed); }

int vk_pool_next(vk_pool *p) { return atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed); }

void vk_pool_run(vk_pool *p, int workers, vk_task_fn fn, void *ctx) {
    if (workers > p->helpers + 1) workers = p->helpers + 1;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    if (workers <= 1) { fn(ctx, 0); return; }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->gate, 0, memory_order_release);
    for (int i = 0; i < workers - 1; i++) signal_helper(&p->slots[i]);
    fn(ctx, 0);
    // Out of chunks here: close the gate and wait for the helpers that are still on theirs.
    int entered = atomic_fetch_or_explicit(&p->gate, GATE_CLOSED, memory_order_acq_rel) & ~GATE_CLOSED;
    long waited = 0;
    if (atomic_load_explicit(&p->done, memory_order_acquire) != entered) {
        long start = now_ns();
        unsigned n = 0;
        while (atomic_load_explicit(&p->done, memory_order_acquire) != entered) {
            cpu_relax();
            // A helper that lost its core in the middle of a chunk: give it the CPU instead of spinning on.
            if ((++n & 255) == 0) sched_yield();
        }
        waited = now_ns() - start;
    }
    vk_pool_note_wait(p, waited);
}

// A wait of more than 300 µs means a helper was taken off its core mid-chunk: the machine is busier than our
// threads. Spinning helpers then only make it worse (the scheduler counts their spinning against them and
// preempts them in the middle of the next chunk), so they sleep right after each region until 256 regions in a
// row have gone without such a wait.
void vk_pool_note_wait(vk_pool *p, long waited_ns) {
    if (waited_ns > 300000) {
        p->calm = 0;
        atomic_store_explicit(&p->spin_ns, 0, memory_order_relaxed);
    } else if (p->calm < 256 && ++p->calm == 256) {
        atomic_store_explicit(&p->spin_ns, p->spin_max_ns, memory_order_relaxed);
    }
}

void vk_pool_destroy(vk_pool *p) {
    if (!p) return;
    atomic_store_explicit(&p->stop, 1, memory_order_seq_cst);
    for (int i = 0; i < p->helpers; i++) {
        atomic_fetch_add_explicit(&p->slots[i].ticket, 1, memory_order_seq_cst);
        futex_wake_all(&p->slots[i].ticket);
    }
    for (int i = 0; i < p->helpers; i++) pthread_join(p->threads[i], NULL);
    free(p->threads);
    free(p->slots);
    free(p);
}
