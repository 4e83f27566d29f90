/*
 * The 1-D direct convolution of two distributions that keeps every
 * probability, however far below float64's range (2.2e-308) it lies. Each
 * distribution carries the natural logarithms of its probabilities beside
 * them; the output is cut into windows, and each window is one direct
 * convolution through the tiled kernels of either the plain probabilities
 * (where the window's results lie well inside float64's range, the bulk) or
 * of exponentially tilted ones. For independent X and Y,
 *
 *   sum_t a[t] e^(theta t) * b[n-t] e^(theta (n-t)) = (a conv b)[n] e^(theta n)
 *
 * exactly, so a tilt theta that cancels the local slope of log(a conv b)
 * over a window, with the inputs divided by their largest tilted value,
 * brings the window's results near 1 while every product stays a plain
 * non-negative float64 product: the direct method's relative accuracy holds
 * in the tails too (the idea of ShiftConvolve, Wilson and Keich 2016, applied
 * per window). The host plans the windows from the operands' logarithms
 * (the largest log-product of an output is within log(taps) of its
 * logarithm) and checks every result afterwards: a window whose tilted
 * results fall below SAFE_LOG is split and run again, down to MIN_CHUNK
 * outputs, where dist_lconv sums exp(log-product - largest) per output, exact
 * whatever the inputs look like (but an exp per product).
 */
#include "dist.h"
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

/* Results whose logarithm (after the window's tilt) is at least SAFE_LOG
 * (1e-280) are exact to float64 rounding: a product lost to underflow is
 * below 2.2e-308 and there are at most 2^32 of them. Plain windows are
 * planned where the largest log-products stay above PLAIN_LOG (1e-250). */
#define SAFE_LOG (-644.0)
#define PLAIN_LOG (-575.0)

/* A tilted window whose log-products curve by more than this between its
 * ends and its middle is split before it runs. */
#define MAX_CURVE 400.0

/* Windows below this many outputs go to dist_lconv when they fail the check;
 * windows above CHUNK_MIN outputs or a sixteenth of the result are split. */
#define MIN_CHUNK 64
#define CHUNK_MIN 16384

enum { PLAIN, TILTED, EXACT };

typedef struct chunk {
    size_t pair;    /* the convolution it belongs to */
    size_t n0, n1;  /* outputs [n0, n1) */
    int kind;
    double theta;   /* TILTED */
    double alpha;   /* log out[n0 + o] = log y[o] + alpha - theta * o (TILTED) */
} chunk;

typedef struct chunk_list {
    chunk *v;
    size_t size, cap;
} chunk_list;

typedef struct job {
    clconv_runtime *rt;
    size_t index;          /* of the pair */
    const clconv__dist_row *a, *b, *out;
    const double *la, *lb; /* the operands' logarithms on the host */
    double *lo;            /* room for the results' logarithms on the host */
    size_t cap;            /* largest window */
    cl_kernel tilt, untilt, lconv; /* borrowed */
} job;

static int list_add(clconv_runtime *rt, chunk_list *l, chunk c)
{
    if (l->size == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        chunk *v = realloc(l->v, cap * sizeof *v);
        RETURN_IF(rt, !v, CLCONV_ENOMEM, "growing a list of %zu windows", cap);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->size++] = c;
    return 0;
}

double clconv__dist_max_product(const double *la, size_t na, const double *lb, size_t nb,
                                size_t n)
{
    const size_t t0 = n >= nb ? n - nb + 1 : 0, t1 = n < na - 1 ? n : na - 1;
    double m = -INFINITY;
    for (size_t t = t0; t <= t1; t++) {
        const double v = la[t] + lb[n - t];
        m = v > m ? v : m;
    }
    return m;
}

/* The largest log-product of output n of a job. */
static double max_product(const job *j, size_t n)
{
    return clconv__dist_max_product(j->la, j->a->n, j->lb, j->b->n, n);
}

/* Plans outputs [n0, n1) into l: split while a window is too long or its
 * log-products curve too much for one tilt. With retry set (the window
 * failed its check) no part runs plain. */
static int plan(const job *j, size_t n0, size_t n1, int retry, chunk_list *l)
{
    const size_t c = n1 - n0, mid = n0 + (c - 1) / 2;
    const double ml = max_product(j, n0), mr = max_product(j, n1 - 1), mm = max_product(j, mid);
    const int finite = isfinite(ml) && isfinite(mr) && isfinite(mm);
    const double lo = fmin(ml, fmin(mr, mm));
    const int split = c > MIN_CHUNK &&
                      (c > j->cap || !finite ||
                       (lo < PLAIN_LOG && fabs(mm - (ml + mr) / 2) > MAX_CURVE));
    if (split) {
        FORWARD_IF_ERROR(plan(j, n0, mid + 1, retry, l));
        return plan(j, mid + 1, n1, retry, l);
    }
    chunk ch = {j->index, n0, n1, PLAIN, 0, 0};
    if (!finite)
        ch.kind = EXACT;
    else if (lo < PLAIN_LOG || retry) {
        ch.kind = TILTED;
        ch.theta = c > 1 ? -(mr - ml) / (double)(c - 1) : 0;
    }
    return list_add(j->rt, l, ch);
}

/* Largest of lg[t] + theta * (t - ref) over t in [t0, t1]. */
static double tilted_max(const double *lg, size_t t0, size_t t1, double theta, double ref)
{
    double m = -INFINITY;
    for (size_t t = t0; t <= t1; t++) {
        const double v = lg[t] + theta * ((double)t - ref);
        m = v > m ? v : m;
    }
    return m;
}

/* One dist_tilt launch: count entries of row r from index start (may be
 * negative), zero outside the row, into dst. */
static int launch_tilt(job *j, const clconv__dist_row *r, long long start, size_t count,
                       int plain, double theta, long long ref, double c, cl_mem dst)
{
    const cl_ulong base = r->base, n = count;
    const cl_long len = (cl_long)r->n, st = start, rf = ref;
    const cl_int pl = plain;
    const clconv__arg args[] = {CLCONV__ARG(r->mass), CLCONV__ARG(r->lg),  CLCONV__ARG(base),
                                CLCONV__ARG(len),     CLCONV__ARG(st),     CLCONV__ARG(n),
                                CLCONV__ARG(pl),      CLCONV__ARG(theta),  CLCONV__ARG(rf),
                                CLCONV__ARG(c),       CLCONV__ARG(dst)};
    FORWARD_IF_ERROR(clconv__set_args(j->rt, j->tilt, args, 11, "dist_tilt"));
    size_t gws = (count + 63) / 64 * 64;
    return clconv__launch(j->rt, j->tilt, 1, &gws, NULL, "dist_tilt");
}

/* Runs one window: dist_lconv for EXACT, else the tilted (or plain) window
 * of a and taps of b through the direct kernels in valid mode, and
 * dist_untilt into out. Fills ch->alpha for TILTED. */
static int run_chunk(job *j, chunk *ch)
{
    clconv_runtime *rt = j->rt;
    const size_t na = j->a->n, nb = j->b->n, c = ch->n1 - ch->n0;
    if (ch->kind == EXACT) {
        const cl_ulong ab = j->a->base, an = na, bb = j->b->base, bn = nb, first = ch->n0,
                       cnt = c, ob = j->out->base + ch->n0;
        const clconv__arg args[] = {CLCONV__ARG(j->a->lg), CLCONV__ARG(ab), CLCONV__ARG(an),
                                    CLCONV__ARG(j->b->lg), CLCONV__ARG(bb), CLCONV__ARG(bn),
                                    CLCONV__ARG(first),    CLCONV__ARG(cnt),
                                    CLCONV__ARG(j->out->mass), CLCONV__ARG(j->out->lg),
                                    CLCONV__ARG(ob)};
        FORWARD_IF_ERROR(clconv__set_args(rt, j->lconv, args, 11, "dist_lconv"));
        size_t gws = (c + 63) / 64 * 64;
        return clconv__launch(rt, j->lconv, 1, &gws, NULL, "dist_lconv");
    }
    /* Taps b[u0..u1] reach every output of the window; the signal window of
     * a starts at n0 - u1 and holds c + k - 1 entries. */
    const size_t u0 = ch->n0 > na - 1 ? ch->n0 - (na - 1) : 0;
    const size_t u1 = ch->n1 - 1 < nb - 1 ? ch->n1 - 1 : nb - 1;
    const size_t k = u1 - u0 + 1, s = c + k - 1;
    const long long a0 = (long long)ch->n0 - (long long)u1;
    double ca = 0, cb = 0;
    const int plain = ch->kind == PLAIN;
    if (!plain) {
        const size_t t0 = a0 > 0 ? (size_t)a0 : 0;
        const size_t t1 = ch->n1 - 1 - u0 < na - 1 ? ch->n1 - 1 - u0 : na - 1;
        ca = tilted_max(j->la, t0, t1, ch->theta, (double)a0);
        cb = tilted_max(j->lb, u0, u1, ch->theta, (double)u0);
        ch->alpha = ca + cb - ch->theta * (double)(k - 1);
    }
    cl_mem seg = NULL, taps = NULL, y = NULL;
    int status = clconv__scratch_get(rt, s * sizeof(double), &seg);
    if (status == 0) status = clconv__scratch_get(rt, k * sizeof(double), &taps);
    if (status == 0) status = clconv__scratch_get(rt, c * sizeof(double), &y);
    if (status == 0)
        status = launch_tilt(j, j->a, a0, s, plain, ch->theta, a0, ca, seg);
    if (status == 0)
        status = launch_tilt(j, j->b, (long long)u0, k, plain, ch->theta, (long long)u0, cb, taps);
    if (status == 0) {
        clconv__geom g;
        clconv__dist_geom_1d(&g, s, k, c, k - 1);
        status = clconv__direct_run(rt, &g, seg, taps, y);
    }
    if (status == 0) {
        const cl_ulong cnt = c, ob = j->out->base + ch->n0;
        const cl_int pl = plain;
        const double alpha = ch->alpha, beta = -ch->theta;
        const clconv__arg args[] = {CLCONV__ARG(y),     CLCONV__ARG(cnt),         CLCONV__ARG(pl),
                                    CLCONV__ARG(alpha), CLCONV__ARG(beta),        
                                    CLCONV__ARG(j->out->mass), CLCONV__ARG(j->out->lg),
                                    CLCONV__ARG(ob)};
        status = clconv__set_args(rt, j->untilt, args, 8, "dist_untilt");
        size_t gws = (c + 63) / 64 * 64;
        if (status == 0) status = clconv__launch(rt, j->untilt, 1, &gws, NULL, "dist_untilt");
    }
    clconv__scratch_release(rt, seg);
    clconv__scratch_release(rt, taps);
    clconv__scratch_release(rt, y);
    return status;
}

void clconv__dist_geom_1d(clconv__geom *g, size_t n, size_t k, size_t out, size_t start)
{
    memset(g, 0, sizeof *g);
    g->dims = 1;
    g->batch = 1;
    g->dtype = CLCONV_F64;
    g->n[0] = g->k[0] = g->out[0] = 1;
    g->n[1] = n;
    g->k[1] = k;
    g->out[1] = out;
    g->start[1] = start;
}

/* Whether every result of a window that ran (its logarithms in lg, from
 * output 0) is safely inside float64's range before the tilt is undone. */
static int chunk_ok(const chunk *ch, const double *lg)
{
    if (ch->kind == EXACT) return 1;
    for (size_t o = 0; o < ch->n1 - ch->n0; o++) {
        const double y = ch->kind == PLAIN ? lg[o] : lg[o] - ch->alpha + ch->theta * (double)o;
        if (!(y >= SAFE_LOG)) return 0;
    }
    return 1;
}

/* Enqueues the read of row r's logarithms into lg; blocking when asked. */
static int read_logs(clconv_runtime *rt, const clconv__dist_row *r, double *lg, cl_bool block)
{
    CL_RETURN_IF(rt,
                 CLCONV__CL(clEnqueueReadBuffer, rt->queue, r->lg, block, r->base * sizeof(double),
                            r->n * sizeof(double), lg, 0, NULL, NULL),
                 "clEnqueueReadBuffer", "reading %zu log-probabilities", r->n);
    return 0;
}

int clconv__dist_read_logs(clconv_runtime *rt, const clconv__dist_row *r, double *lg)
{
    return read_logs(rt, r, lg, CL_TRUE);
}

void clconv__dist_kernels_release(clconv__dist_kernels *k)
{
    if (k->tilt) clReleaseKernel(k->tilt);
    if (k->untilt) clReleaseKernel(k->untilt);
    if (k->lconv) clReleaseKernel(k->lconv);
    k->tilt = k->untilt = k->lconv = NULL;
}

int clconv__dist_conv_logged(clconv_runtime *rt, clconv__dist_kernels *k, size_t count,
                             const clconv__dist_row *a, const clconv__dist_row *b,
                             const clconv__dist_row *out)
{
    return clconv__dist_conv_logged_range(rt, k, count, a, b, out, NULL);
}

int clconv__dist_conv_logged_range(clconv_runtime *rt, clconv__dist_kernels *k, size_t count,
                                   const clconv__dist_row *a, const clconv__dist_row *b,
                                   const clconv__dist_row *out, const size_t *range)
{
    chunk_list todo = {0}, again = {0};
    int status = 0;
    if (!k->tilt) status = clconv__kernel_create(rt, "dist", "", "dist_tilt", &k->tilt);
    if (status == 0 && !k->untilt)
        status = clconv__kernel_create(rt, "dist", "", "dist_untilt", &k->untilt);
    if (status == 0 && !k->lconv)
        status = clconv__kernel_create(rt, "dist", "", "dist_lconv", &k->lconv);
    FORWARD_IF_ERROR(status);

    /* Host room for every operand's and result's logarithms (an operand
     * convolved with itself is read once). */
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += a[i].n + b[i].n + out[i].n;
    job *jobs = calloc(count, sizeof *jobs);
    double *room = malloc(total * sizeof *room);
    if (!jobs || !room) {
        free(jobs);
        free(room);
        return CLCONV_FAIL(rt, CLCONV_ENOMEM, "staging %zu logs of %zu convolutions", total,
                           count);
    }
    double *next = room;
    for (size_t i = 0; status == 0 && i < count; i++) {
        job *j = &jobs[i];
        const int same = a[i].lg == b[i].lg && a[i].base == b[i].base && a[i].n == b[i].n;
        double *la = next, *lb = same ? la : next + a[i].n;
        *j = (job){rt, i, &a[i], &b[i], &out[i], la, lb, next + a[i].n + b[i].n, 0,
                   k->tilt, k->untilt, k->lconv};
        j->cap = out[i].n / 16 > CHUNK_MIN ? out[i].n / 16 : CHUNK_MIN;
        next += a[i].n + b[i].n + out[i].n;
        status = read_logs(rt, &a[i], la, CL_FALSE);
        if (status == 0 && !same) status = read_logs(rt, &b[i], lb, CL_FALSE);
    }
    if (status == 0) {
        cl_int err = CLCONV__CL(clFinish, rt->queue);
        if (err != CL_SUCCESS)
            status = clconv__cl_fail(rt, err, "clFinish", __FILE__, __LINE__,
                                     "reading operands' logs");
    }
    for (size_t i = 0; status == 0 && i < count; i++)
        status = range ? plan(&jobs[i], range[2 * i], range[2 * i + 1], 0, &todo)
                       : plan(&jobs[i], 0, out[i].n, 0, &todo);

    /* Run, check, and run again what failed, split in two (or exactly). */
    while (status == 0 && todo.size) {
        size_t tilted = 0, exact = 0;
        for (size_t i = 0; status == 0 && i < todo.size; i++) {
            status = run_chunk(&jobs[todo.v[i].pair], &todo.v[i]);
            tilted += todo.v[i].kind == TILTED;
            exact += todo.v[i].kind == EXACT;
        }
        clconv__note(rt, "dist: %zu convolution(s) of %zu-entry results in %zu windows (%zu "
                     "tilted, %zu exact)", count, out[0].n, todo.size, tilted, exact);
        /* Read back the results that ran (each once), then check them. */
        for (size_t i = 0; status == 0 && i < todo.size; i++)
            if (i == 0 || todo.v[i].pair != todo.v[i - 1].pair) {
                const job *j = &jobs[todo.v[i].pair];
                status = read_logs(rt, j->out, j->lo, CL_FALSE);
            }
        if (status == 0) {
            cl_int err = CLCONV__CL(clFinish, rt->queue);
            if (err != CL_SUCCESS)
                status = clconv__cl_fail(rt, err, "clFinish", __FILE__, __LINE__,
                                         "reading results' logs");
        }
        again.size = 0;
        for (size_t i = 0; status == 0 && i < todo.size; i++) {
            chunk ch = todo.v[i];
            const job *j = &jobs[ch.pair];
            if (chunk_ok(&ch, j->lo + ch.n0)) continue;
            const size_t c = ch.n1 - ch.n0;
            if (c <= MIN_CHUNK) {
                ch.kind = EXACT;
                status = list_add(rt, &again, ch);
                continue;
            }
            const size_t mid = ch.n0 + c / 2;
            status = plan(j, ch.n0, mid, 1, &again);
            if (status == 0) status = plan(j, mid, ch.n1, 1, &again);
        }
        chunk_list t = todo;
        todo = again;
        again = t;
    }
    /* On failure, reads enqueued without blocking may still be writing
     * into room: wait for them before it is freed. */
    if (status < 0) (void)clFinish(rt->queue);
    free(todo.v);
    free(again.v);
    free(jobs);
    free(room);
    return status;
}
