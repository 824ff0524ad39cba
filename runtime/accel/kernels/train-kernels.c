/*
 * Training kernels for mtl's compiled dense step (runtime/train/compiled/step.ts), compiled to
 * WebAssembly with 128-bit SIMD and run on TensorFlow.js' own wasm memory (the module imports it),
 * so they read and write the backend's buffers in place. Each does in one pass what the stock
 * wasm backend does in several kernels, with the same float32 operations in the same order, so
 * the results are bit-identical to the kernels they replace (tested):
 *
 *   relu_grad_bias  Step + Multiply (dy · relu'(y)) and the bias gradient (the column sums)
 *   bias_grad       the column sums alone (a linear layer's bias gradient)
 *   add_into        Add, accumulating a second gradient into the first
 *   adam            tf.train.adam's 13 elementwise kernels per update
 *   scale           Multiply by a scalar (AdamW's weight decay)
 *   dropout         Dropout with a mask drawn from a counter-based hash (seeded: the same key gives
 *                   the same mask), and dropout_grad, its gradient through the same mask
 *   transpose       Transpose of a matrix, in 4 × 4 blocks (the stock kernel moves one value at a time)
 *
 * and the mixture of a gate (MMoE, CGC, PLE) both ways, which the stock backend runs as a batch
 * of vector-matrix products in a scalar loop (its sums are in another order, so the mixture
 * agrees with the tape path to float32 rounding, not to the bit):
 *
 *   mixture         out[r] = Σ_e g[r, e] · expert_e[r]
 *   mixture_grad    dg[r, e] = dout[r] · expert_e[r];  dexpert_e[r] += g[r, e] · dout[r]
 *
 * Rebuild with `npm run build:kernels` (needs clang and wasm-ld: Debian's clang-14 and lld-14).
 * Nothing here may use the C stack or static data: the module has no memory of its own, and
 * both would land in TensorFlow.js' heap. The build checks the output for either.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* dya = dy · step(y) (1 where y > 0, else 0, as the wasm Step kernel with alpha 0); db[c] = Σ_r dya[r, c],
   adding the rows in order, one float32 rounding per addition, as the column sums do. */
EXPORT(relu_grad_bias)
void relu_grad_bias(const float *dy, const float *y, float *dya, float *db, int rows, int cols) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t one = wasm_f32x4_splat(1.0f);
  int c4 = cols & ~3;
  for (int c = 0; c < cols; c++) db[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *dyr = dy + r * cols;
    const float *yr = y + r * cols;
    float *out = dya + r * cols;
    int c = 0;
    for (; c < c4; c += 4) {
      v128_t step = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(wasm_v128_load(yr + c), zero));
      v128_t g = wasm_f32x4_mul(wasm_v128_load(dyr + c), step);
      wasm_v128_store(out + c, g);
      wasm_v128_store(db + c, wasm_f32x4_add(wasm_v128_load(db + c), g));
    }
    for (; c < cols; c++) {
      float g = dyr[c] * (yr[c] > 0.0f ? 1.0f : 0.0f);
      out[c] = g;
      db[c] += g;
    }
  }
}

EXPORT(bias_grad)
void bias_grad(const float *dya, float *db, int rows, int cols) {
  int c4 = cols & ~3;
  for (int c = 0; c < cols; c++) db[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *row = dya + r * cols;
    int c = 0;
    for (; c < c4; c += 4) wasm_v128_store(db + c, wasm_f32x4_add(wasm_v128_load(db + c), wasm_v128_load(row + c)));
    for (; c < cols; c++) db[c] += row[c];
  }
}

EXPORT(add_into)
void add_into(float *acc, const float *x, int n) {
  int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), wasm_v128_load(x + i)));
  for (; i < n; i++) acc[i] += x[i];
}

/* One Adam update in place, in the order of tfjs' AdamOptimizer.applyGradients:
   m = m·b1 + g·c1; v = v·b2 + g²·c2; x = (m / d1) / (sqrt(v / d2) + eps) · step + x,
   with c = 1 − b, d = 1 − b^t and step = −learning rate. */
EXPORT(adam)
void adam(float *x, const float *g, float *m, float *v, int n, float b1, float c1, float b2, float c2, float d1, float d2, float eps, float step) {
  const v128_t B1 = wasm_f32x4_splat(b1), C1 = wasm_f32x4_splat(c1), B2 = wasm_f32x4_splat(b2), C2 = wasm_f32x4_splat(c2);
  const v128_t D1 = wasm_f32x4_splat(d1), D2 = wasm_f32x4_splat(d2), EPS = wasm_f32x4_splat(eps), STEP = wasm_f32x4_splat(step);
  int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, C1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), C2));
    v128_t update = wasm_f32x4_div(wasm_f32x4_div(mi, D1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, D2)), EPS));
    wasm_v128_store(x + i, wasm_f32x4_add(wasm_f32x4_mul(update, STEP), wasm_v128_load(x + i)));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * c1;
    float vi = v[i] * b2 + (gi * gi) * c2;
    float update = (mi / d1) / (__builtin_sqrtf(vi / d2) + eps);
    x[i] = update * step + x[i];
    m[i] = mi;
    v[i] = vi;
  }
}

EXPORT(scale)
void scale(float *x, int n, float k) {
  const v128_t K = wasm_f32x4_splat(k);
  int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) wasm_v128_store(x + i, wasm_f32x4_mul(wasm_v128_load(x + i), K));
  for (; i < n; i++) x[i] *= k;
}

/* A 32-bit integer hash (two multiply-xorshift rounds), as a counter-based random generator. */
static inline unsigned hash32(unsigned x) {
  x ^= x >> 16;
  x *= 0x21f0aaadu;
  x ^= x >> 15;
  x *= 0x735a2d97u;
  x ^= x >> 15;
  return x;
}

/* mask[i] = scale where hash(key, i) ≥ threshold (probability 1 − threshold / 2³²), else 0;
   out = x · mask. TensorFlow.js' dropout is x · floor(u + keep) / keep: the same values for its own
   uniform draws. */
EXPORT(dropout)
void dropout(const float *x, float *out, float *mask, int n, unsigned threshold, float scale, unsigned key) {
  for (int i = 0; i < n; i++) {
    float m = hash32(key + (unsigned)i * 0x9e3779b9u) >= threshold ? scale : 0.0f;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}

/* dx = dy · mask, or dx += dy · mask when `accumulate` (a second reader's gradient). */
EXPORT(dropout_grad)
void dropout_grad(const float *dy, const float *mask, float *dx, int n, int accumulate) {
  int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) {
    v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_v128_load(mask + i));
    wasm_v128_store(dx + i, accumulate ? wasm_f32x4_add(wasm_v128_load(dx + i), g) : g);
  }
  for (; i < n; i++) dx[i] = accumulate ? dx[i] + dy[i] * mask[i] : dy[i] * mask[i];
}

/* dst[c, r] = src[r, c] for a [rows, cols] matrix. */
EXPORT(transpose)
void transpose(const float *src, float *dst, int rows, int cols) {
  int r4 = rows & ~3, c4 = cols & ~3;
  for (int r = 0; r < r4; r += 4) {
    const float *s0 = src + r * cols, *s1 = s0 + cols, *s2 = s1 + cols, *s3 = s2 + cols;
    int c = 0;
    for (; c < c4; c += 4) {
      v128_t a0 = wasm_v128_load(s0 + c), a1 = wasm_v128_load(s1 + c), a2 = wasm_v128_load(s2 + c), a3 = wasm_v128_load(s3 + c);
      v128_t t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5);
      v128_t t2 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
      wasm_v128_store(dst + c * rows + r, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
      wasm_v128_store(dst + (c + 1) * rows + r, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
      wasm_v128_store(dst + (c + 2) * rows + r, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
      wasm_v128_store(dst + (c + 3) * rows + r, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
    }
    for (; c < cols; c++) {
      dst[c * rows + r] = s0[c];
      dst[c * rows + r + 1] = s1[c];
      dst[c * rows + r + 2] = s2[c];
      dst[c * rows + r + 3] = s3[c];
    }
  }
  for (int r = r4; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

/* `experts` and `dexperts` are arrays of `count` byte offsets of [rows, d] buffers; g is [rows, count]. */
EXPORT(mixture)
void mixture(const float *g, const float *const *experts, float *out, int rows, int count, int d) {
  int d4 = d & ~3;
  for (int r = 0; r < rows; r++) {
    const float *gr = g + r * count;
    float *o = out + r * d;
    int u = 0;
    for (; u < d4; u += 4) {
      v128_t acc = wasm_f32x4_splat(0.0f);
      for (int e = 0; e < count; e++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(gr[e]), wasm_v128_load(experts[e] + r * d + u)));
      wasm_v128_store(o + u, acc);
    }
    for (; u < d; u++) {
      float acc = 0.0f;
      for (int e = 0; e < count; e++) acc += gr[e] * experts[e][r * d + u];
      o[u] = acc;
    }
  }
}

EXPORT(mixture_grad)
void mixture_grad(const float *g, const float *const *experts, const float *dout, float *dg, float *const *dexperts, int rows, int count, int d) {
  int d4 = d & ~3;
  for (int r = 0; r < rows; r++) {
    const float *dr = dout + r * d;
    for (int e = 0; e < count; e++) {
      const float *x = experts[e] + r * d;
      float *dx = dexperts[e] + r * d;
      float ge = g[r * count + e];
      v128_t gv = wasm_f32x4_splat(ge);
      v128_t acc = wasm_f32x4_splat(0.0f);
      int u = 0;
      for (; u < d4; u += 4) {
        v128_t dv = wasm_v128_load(dr + u);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(dv, wasm_v128_load(x + u)));
        wasm_v128_store(dx + u, wasm_f32x4_add(wasm_v128_load(dx + u), wasm_f32x4_mul(gv, dv)));
      }
      float total = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
      for (; u < d; u++) {
        total += dr[u] * x[u];
        dx[u] += ge * dr[u];
      }
      dg[r * count + e] = total;
    }
  }
}
