/* The hot loops of name screening in C: the candidate search over token postings
 * (`NameIndex.candidates`) and the per-candidate score loop of `ScreeningIndex.screen`
 * (`scoring.align` with a floor, its bound `_score_bound_below`, the pair similarities and the
 * best score per entry). Each function is a line-by-line port of its Python twin and must give
 * bit-identical doubles: sums run left to right like Python's sum(), sorts break ties the way
 * Python's stable sort does, and the build uses -ffp-contract=off (no fused multiply-adds).
 *
 * A Core object is made once per index. It keeps read-only views (buffer protocol) of the
 * index's arrays, so the index's memory is not copied, plus its own copy of the vocabulary as
 * UCS4 code points. Nothing changes after construction, so calls from many threads share it
 * safely; every call works in its own scratch memory, with the GIL released.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- tuned constants, passed in from scoring.py (one source of truth) ---------------------- */

typedef struct {
    Py_ssize_t fuzzy_min_len, fuzzy_two_edits_len, fuzzy_three_edits_len, first_letter_free_len;
    Py_ssize_t compound_min_len, fuzzy_index_min_len;
    double typo_cost, typo_min_sim, initial_sim, initial_weight, legal_cross_sim, compound_min_sim;
    double query_miss, name_miss, name_miss_entity, evidence_discount, whole_name_slack;
    double whole_name_single_share, legal_form_weight, weak_alias_factor;
    long long always_walk_postings, max_postings_walked;
    long legal_class, weak_alias_kind;
} Params;

static int param_double(PyObject *d, const char *key, double *out)
{
    PyObject *v = PyDict_GetItemString(d, key); /* borrowed */
    if (v == NULL) {
        PyErr_Format(PyExc_KeyError, "missing parameter %s", key);
        return -1;
    }
    *out = PyFloat_AsDouble(v);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static int param_long(PyObject *d, const char *key, long long *out)
{
    PyObject *v = PyDict_GetItemString(d, key);
    if (v == NULL) {
        PyErr_Format(PyExc_KeyError, "missing parameter %s", key);
        return -1;
    }
    *out = PyLong_AsLongLong(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

static int parse_params(PyObject *d, Params *P)
{
    long long v[10];
    static const char *ints[10] = {
        "FUZZY_MIN_LEN", "FUZZY_TWO_EDITS_LEN", "FUZZY_THREE_EDITS_LEN", "FIRST_LETTER_FREE_LEN",
        "COMPOUND_MIN_LEN", "ALWAYS_WALK_POSTINGS", "MAX_POSTINGS_WALKED", "LEGAL", "WEAK_ALIAS",
        "FUZZY_INDEX_MIN_LEN",
    };
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "params must be a dict");
        return -1;
    }
    for (int k = 0; k < 10; k++)
        if (param_long(d, ints[k], &v[k]) < 0)
            return -1;
    P->fuzzy_min_len = (Py_ssize_t)v[0];
    P->fuzzy_two_edits_len = (Py_ssize_t)v[1];
    P->fuzzy_three_edits_len = (Py_ssize_t)v[2];
    P->first_letter_free_len = (Py_ssize_t)v[3];
    P->compound_min_len = (Py_ssize_t)v[4];
    P->always_walk_postings = v[5];
    P->max_postings_walked = v[6];
    P->legal_class = (long)v[7];
    P->weak_alias_kind = (long)v[8];
    P->fuzzy_index_min_len = (Py_ssize_t)v[9];
    if (param_double(d, "TYPO_COST", &P->typo_cost) < 0 || param_double(d, "TYPO_MIN_SIM", &P->typo_min_sim) < 0 ||
        param_double(d, "INITIAL_SIM", &P->initial_sim) < 0 ||
        param_double(d, "INITIAL_WEIGHT", &P->initial_weight) < 0 ||
        param_double(d, "LEGAL_CROSS_SIM", &P->legal_cross_sim) < 0 ||
        param_double(d, "COMPOUND_MIN_SIM", &P->compound_min_sim) < 0 ||
        param_double(d, "QUERY_MISS", &P->query_miss) < 0 || param_double(d, "NAME_MISS", &P->name_miss) < 0 ||
        param_double(d, "NAME_MISS_ENTITY", &P->name_miss_entity) < 0 ||
        param_double(d, "EVIDENCE_DISCOUNT", &P->evidence_discount) < 0 ||
        param_double(d, "WHOLE_NAME_SLACK", &P->whole_name_slack) < 0 ||
        param_double(d, "WHOLE_NAME_SINGLE_SHARE", &P->whole_name_single_share) < 0 ||
        param_double(d, "LEGAL_FORM_WEIGHT", &P->legal_form_weight) < 0 ||
        param_double(d, "WEAK_ALIAS_FACTOR", &P->weak_alias_factor) < 0)
        return -1;
    return 0;
}

/* --- token similarity (scoring.token_similarity / _pair_similarity) ------------------------ */

static inline int max_edits(const Params *P, Py_ssize_t n)
{
    if (n < P->fuzzy_min_len)
        return 0;
    if (n < P->fuzzy_two_edits_len)
        return 1;
    if (n < P->fuzzy_three_edits_len)
        return 2;
    return 3;
}

static inline int length_fits(const Params *P, Py_ssize_t a, Py_ssize_t b)
{
    int budget = max_edits(P, a > b ? a : b);
    return a - b <= budget && b - a <= budget;
}

/* Optimal string alignment distance (a transposition of neighbours counts once), on code points
 * like rapidfuzz's OSA. Stops early with cutoff + 1 once two rows in a row exceed cutoff: no
 * later cell can come back under it. `work` holds 3 * (lb + 1) ints. */
static int osa_distance(const Py_UCS4 *a, Py_ssize_t la, const Py_UCS4 *b, Py_ssize_t lb, int cutoff, int *work)
{
    int *pp = work, *p = work + (lb + 1), *c = work + 2 * (lb + 1), *t;
    int prev_min = 0;
    for (Py_ssize_t j = 0; j <= lb; j++)
        p[j] = (int)j;
    for (Py_ssize_t i = 1; i <= la; i++) {
        int row_min = (int)i;
        c[0] = (int)i;
        for (Py_ssize_t j = 1; j <= lb; j++) {
            int v = p[j - 1] + (a[i - 1] != b[j - 1]);
            if (p[j] + 1 < v)
                v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > cutoff && prev_min > cutoff)
            return cutoff + 1;
        prev_min = row_min;
        t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[lb];
}

static double token_similarity(const Params *P, const Py_UCS4 *a, Py_ssize_t la, const Py_UCS4 *b, Py_ssize_t lb,
                               int *work)
{
    if (la == lb && memcmp(a, b, (size_t)la * sizeof(Py_UCS4)) == 0)
        return 1.0;
    if (la == 0 || lb == 0)
        return 0.0; /* no empty tokens reach here; Python would fail on a[0] */
    if (la == 1 || lb == 1)
        return a[0] == b[0] ? P->initial_sim : 0.0;
    Py_ssize_t longer = la > lb ? la : lb;
    int budget = max_edits(P, longer);
    if (budget == 0 || la - lb > budget || lb - la > budget)
        return 0.0;
    int d = osa_distance(a, la, b, lb, budget, work);
    if (d > budget || (d > 1 && a[0] != b[0] && longer < P->first_letter_free_len))
        return 0.0;
    double sim = 1.0 - P->typo_cost * (double)d / (double)longer;
    return sim >= P->typo_min_sim ? sim : 0.0;
}

static double pair_similarity(const Params *P, const Py_UCS4 *q, Py_ssize_t lq, const Py_UCS4 *t, Py_ssize_t lt,
                              double factor, int *work)
{
    double s = token_similarity(P, q, lq, t, lt, work);
    if (s < 1.0 && lt > 1 && lq > 1) {
        s *= factor;
        if (s < P->typo_min_sim)
            s = 0.0;
    }
    return s;
}

/* --- typo lookups (NameIndex.fuzzy_tokens) ------------------------------------------------ */

/* Every listed token of at least FUZZY_INDEX_MIN_LEN code points is filed under each of its
 * one-character deletions. A slot stores the token and the position deleted rather than the
 * string (a few bytes a key instead of a Python str and a dict entry); lookups compare in place. */
struct DelSlot {
    int32_t tid; /* -1: empty */
    int32_t pos;
    uint32_t check; /* high bits of the hash, to skip most comparisons */
};

static inline uint64_t hash_init(void) { return 1469598103934665603ull; }

static inline uint64_t hash_step(uint64_t h, Py_UCS4 ch)
{
    /* FNV-1a over the code point's 4 bytes at once (any fixed mix works; this one is cheap). */
    h ^= (uint64_t)ch;
    return h * 1099511628211ull;
}

static inline uint64_t hash_final(uint64_t h)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static uint64_t hash_cp(const Py_UCS4 *s, Py_ssize_t n)
{
    uint64_t h = hash_init();
    for (Py_ssize_t k = 0; k < n; k++)
        h = hash_step(h, s[k]);
    return hash_final(h);
}

/* The hash of s without the code point at `skip`. */
static uint64_t hash_cp_without(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t skip)
{
    uint64_t h = hash_init();
    for (Py_ssize_t k = 0; k < n; k++)
        if (k != skip)
            h = hash_step(h, s[k]);
    return hash_final(h);
}

static size_t table_size(size_t n)
{
    size_t cap = 16;
    while (cap < n * 2 + 2)
        cap <<= 1;
    return cap;
}

struct Core_s;
static int build_typo_tables(struct Core_s *self);

/* --- the Core object ---------------------------------------------------------------------- */

enum {
    B_WEIGHT, B_PWEIGHT, B_CLS, B_POST_OFF, B_POST, B_NAME_OFF, B_NAME_TOK,
    B_NAME_ENTRY, B_NAME_KIND, B_NAME_WEIGHT, B_ENTRY_LIST, B_ENTRY_PERSON, N_BUFS
};

typedef struct Core_s {
    PyObject_HEAD
    Params P;
    Py_ssize_t n_tokens, n_names, n_entries, n_lists, max_tok_len;
    Py_UCS4 *tok_cp;     /* owned: the vocabulary's code points, back to back */
    Py_ssize_t *tok_off; /* owned: n_tokens + 1 offsets into tok_cp */
    /* owned: the vocabulary and its deletion neighbourhood as hash tables (see "typo lookups") */
    int32_t *vocab_tid;
    uint32_t *vocab_check;
    size_t vocab_mask;
    struct DelSlot *del;
    size_t del_mask;
    Py_buffer bufs[N_BUFS];
    int held; /* how many of bufs are acquired (released in dealloc) */
    const double *weight, *pweight;
    const int8_t *cls, *name_kind;
    const int64_t *post_off;
    const int32_t *post, *name_off, *name_tok, *name_entry;
    const float *name_weight;
    const uint16_t *entry_list;
    const uint8_t *entry_person;
} Core;

static void Core_dealloc(Core *self)
{
    for (int k = 0; k < self->held; k++)
        PyBuffer_Release(&self->bufs[k]);
    free(self->tok_cp);
    free(self->tok_off);
    free(self->vocab_tid);
    free(self->vocab_check);
    free(self->del);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A read-only view of a 1-d array of the given struct format code; the view is kept (the
 * array cannot be resized while it is held, which is what makes the index immutable). */
static int take_buffer(Core *self, int slot, PyObject *obj, char code, Py_ssize_t itemsize, const char *what,
                       Py_ssize_t *count)
{
    Py_buffer *view = &self->bufs[slot];
    if (slot != self->held) {
        PyErr_SetString(PyExc_SystemError, "buffers taken out of order");
        return -1;
    }
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    self->held++;
    const char *fmt = view->format ? view->format : "B";
    if (fmt[0] == '@' || fmt[0] == '=')
        fmt++;
    if (view->ndim != 1 || view->itemsize != itemsize || fmt[0] != code || fmt[1] != '\0') {
        PyErr_Format(PyExc_TypeError, "%s must be a 1-d array of '%c' with items of %zd bytes", what, code, itemsize);
        return -1;
    }
    *count = view->len / itemsize;
    return 0;
}

static int check_ids(const int32_t *ids, Py_ssize_t n, Py_ssize_t limit, const char *what)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if (ids[k] < 0 || ids[k] >= limit) {
            PyErr_Format(PyExc_ValueError, "%s holds an id out of range", what);
            return -1;
        }
    return 0;
}

static int check_offsets32(const int32_t *off, Py_ssize_t n, Py_ssize_t total, const char *what)
{
    if (off[0] != 0 || off[n] != total)
        goto bad;
    for (Py_ssize_t k = 0; k < n; k++)
        if (off[k] > off[k + 1])
            goto bad;
    return 0;
bad:
    PyErr_Format(PyExc_ValueError, "%s are not valid offsets", what);
    return -1;
}

static int Core_init(Core *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"tokens", "weight", "person_weight", "token_cls", "post_offsets", "post_flat",
                             "name_offsets", "name_tokens", "name_entry", "name_kind", "name_weight",
                             "entry_list", "entry_person", "params", NULL};
    PyObject *tokens, *o[N_BUFS], *params;
    Py_ssize_t n[N_BUFS];
    if (self->held || self->tok_cp) {
        PyErr_SetString(PyExc_RuntimeError, "Core is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOOOOOOOOOOOO!", kwlist, &PyList_Type, &tokens, &o[0], &o[1],
                                     &o[2], &o[3], &o[4], &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11],
                                     &PyDict_Type, &params))
        return -1;
    if (parse_params(params, &self->P) < 0)
        return -1;
    static const char codes[N_BUFS] = {'d', 'd', 'b', 'q', 'i', 'i', 'i', 'i', 'b', 'f', 'H', 'B'};
    static const Py_ssize_t sizes[N_BUFS] = {8, 8, 1, 8, 4, 4, 4, 4, 1, 4, 2, 1};
    static const char *names[N_BUFS] = {"weight", "person_weight", "token_cls", "post_offsets", "post_flat",
                                        "name_offsets", "name_tokens", "name_entry", "name_kind", "name_weight",
                                        "entry_list", "entry_person"};
    for (int k = 0; k < N_BUFS; k++)
        if (take_buffer(self, k, o[k], codes[k], sizes[k], names[k], &n[k]) < 0)
            return -1;
    self->weight = self->bufs[B_WEIGHT].buf;
    self->pweight = self->bufs[B_PWEIGHT].buf;
    self->cls = self->bufs[B_CLS].buf;
    self->post_off = self->bufs[B_POST_OFF].buf;
    self->post = self->bufs[B_POST].buf;
    self->name_off = self->bufs[B_NAME_OFF].buf;
    self->name_tok = self->bufs[B_NAME_TOK].buf;
    self->name_entry = self->bufs[B_NAME_ENTRY].buf;
    self->name_kind = self->bufs[B_NAME_KIND].buf;
    self->name_weight = self->bufs[B_NAME_WEIGHT].buf;
    self->entry_list = self->bufs[B_ENTRY_LIST].buf;
    self->entry_person = self->bufs[B_ENTRY_PERSON].buf;

    /* Every id is checked once here, so the queries never read out of bounds. */
    Py_ssize_t nt = PyList_GET_SIZE(tokens);
    self->n_tokens = nt;
    self->n_names = n[B_NAME_ENTRY];
    self->n_entries = n[B_ENTRY_LIST];
    if (n[B_WEIGHT] != nt || n[B_PWEIGHT] != nt || n[B_CLS] != nt || n[B_POST_OFF] != nt + 1 ||
        n[B_NAME_OFF] != self->n_names + 1 || n[B_NAME_KIND] != self->n_names ||
        n[B_NAME_WEIGHT] != self->n_names || n[B_ENTRY_PERSON] != self->n_entries || nt > INT32_MAX ||
        self->n_names > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "index arrays of inconsistent lengths");
        return -1;
    }
    if (self->post_off[0] != 0 || self->post_off[nt] != n[B_POST]) {
        PyErr_SetString(PyExc_ValueError, "post_offsets are not valid offsets");
        return -1;
    }
    for (Py_ssize_t k = 0; k < nt; k++)
        if (self->post_off[k] > self->post_off[k + 1]) {
            PyErr_SetString(PyExc_ValueError, "post_offsets are not valid offsets");
            return -1;
        }
    if (check_ids(self->post, n[B_POST], self->n_names, "post_flat") < 0 ||
        check_offsets32(self->name_off, self->n_names, n[B_NAME_TOK], "name_offsets") < 0 ||
        check_ids(self->name_tok, n[B_NAME_TOK], nt, "name_tokens") < 0 ||
        check_ids(self->name_entry, self->n_names, self->n_entries, "name_entry") < 0)
        return -1;
    self->n_lists = 0;
    for (Py_ssize_t k = 0; k < self->n_entries; k++)
        if ((Py_ssize_t)self->entry_list[k] + 1 > self->n_lists)
            self->n_lists = (Py_ssize_t)self->entry_list[k] + 1;

    /* The vocabulary as code points (UCS4), one flat array. */
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < nt; k++) {
        PyObject *t = PyList_GET_ITEM(tokens, k);
        if (!PyUnicode_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            return -1;
        }
        total += PyUnicode_GET_LENGTH(t);
    }
    self->tok_off = malloc(sizeof(Py_ssize_t) * (size_t)(nt + 1));
    self->tok_cp = malloc(sizeof(Py_UCS4) * (size_t)(total ? total : 1));
    if (self->tok_off == NULL || self->tok_cp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t at = 0;
    self->max_tok_len = 0;
    for (Py_ssize_t k = 0; k < nt; k++) {
        PyObject *t = PyList_GET_ITEM(tokens, k);
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        self->tok_off[k] = at;
        if (len && PyUnicode_AsUCS4(t, self->tok_cp + at, total - at, 0) == NULL)
            return -1;
        at += len;
        if (len > self->max_tok_len)
            self->max_tok_len = len;
    }
    self->tok_off[nt] = at;
    if (build_typo_tables(self) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Deleting position k or k - 1 gives the same string when both hold the same code point: the
 * deletions of a token are distinct strings when repeats are skipped this way (like Python's set). */
static inline int same_deletion_as_previous(const Py_UCS4 *t, Py_ssize_t k)
{
    return k > 0 && t[k] == t[k - 1];
}

static int build_typo_tables(Core *self)
{
    Py_ssize_t nt = self->n_tokens;
    size_t ndel = 0;
    for (Py_ssize_t tid = 0; tid < nt; tid++) {
        const Py_UCS4 *t = self->tok_cp + self->tok_off[tid];
        Py_ssize_t len = self->tok_off[tid + 1] - self->tok_off[tid];
        if (len < self->P.fuzzy_index_min_len)
            continue;
        for (Py_ssize_t k = 0; k < len; k++)
            ndel += !same_deletion_as_previous(t, k);
    }
    size_t vcap = table_size((size_t)nt), dcap = table_size(ndel);
    self->vocab_tid = malloc(vcap * sizeof(int32_t));
    self->vocab_check = malloc(vcap * sizeof(uint32_t));
    self->del = malloc(dcap * sizeof(struct DelSlot));
    if (self->vocab_tid == NULL || self->vocab_check == NULL || self->del == NULL)
        return -1;
    self->vocab_mask = vcap - 1;
    self->del_mask = dcap - 1;
    for (size_t k = 0; k < vcap; k++)
        self->vocab_tid[k] = -1;
    for (size_t k = 0; k < dcap; k++)
        self->del[k].tid = -1;
    for (Py_ssize_t tid = 0; tid < nt; tid++) {
        const Py_UCS4 *t = self->tok_cp + self->tok_off[tid];
        Py_ssize_t len = self->tok_off[tid + 1] - self->tok_off[tid];
        uint64_t h = hash_cp(t, len);
        size_t slot = (size_t)h & self->vocab_mask;
        while (self->vocab_tid[slot] >= 0)
            slot = (slot + 1) & self->vocab_mask;
        self->vocab_tid[slot] = (int32_t)tid;
        self->vocab_check[slot] = (uint32_t)(h >> 32);
        if (len < self->P.fuzzy_index_min_len)
            continue;
        for (Py_ssize_t k = 0; k < len; k++) {
            if (same_deletion_as_previous(t, k))
                continue;
            h = hash_cp_without(t, len, k);
            slot = (size_t)h & self->del_mask;
            while (self->del[slot].tid >= 0)
                slot = (slot + 1) & self->del_mask;
            self->del[slot].tid = (int32_t)tid;
            self->del[slot].pos = (int32_t)k;
            self->del[slot].check = (uint32_t)(h >> 32);
        }
    }
    return 0;
}

/* A growable list of token ids (called without the GIL). */
typedef struct {
    int32_t *ids;
    size_t n, cap;
} Ids;

static int ids_push(Ids *ids, int32_t tid)
{
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 64;
        int32_t *grown = realloc(ids->ids, cap * sizeof(int32_t));
        if (grown == NULL)
            return -1;
        ids->ids = grown;
        ids->cap = cap;
    }
    ids->ids[ids->n++] = tid;
    return 0;
}

/* vocab.get(key) and deletes.get(key), appended to `out`. */
static int lookup_key(const Core *self, const Py_UCS4 *key, Py_ssize_t n, Ids *out)
{
    uint64_t h = hash_cp(key, n);
    uint32_t check = (uint32_t)(h >> 32);
    for (size_t slot = (size_t)h & self->vocab_mask; self->vocab_tid[slot] >= 0;
         slot = (slot + 1) & self->vocab_mask) {
        int32_t tid = self->vocab_tid[slot];
        if (self->vocab_check[slot] != check || self->tok_off[tid + 1] - self->tok_off[tid] != n)
            continue;
        if (memcmp(self->tok_cp + self->tok_off[tid], key, (size_t)n * sizeof(Py_UCS4)) == 0) {
            if (ids_push(out, tid) < 0)
                return -1;
            break; /* vocabulary strings are unique */
        }
    }
    for (size_t slot = (size_t)h & self->del_mask; self->del[slot].tid >= 0; slot = (slot + 1) & self->del_mask) {
        const struct DelSlot *d = &self->del[slot];
        if (d->check != check || self->tok_off[d->tid + 1] - self->tok_off[d->tid] != n + 1)
            continue;
        const Py_UCS4 *t = self->tok_cp + self->tok_off[d->tid];
        if (memcmp(t, key, (size_t)d->pos * sizeof(Py_UCS4)) == 0 &&
            memcmp(t + d->pos + 1, key + d->pos, (size_t)(n - d->pos) * sizeof(Py_UCS4)) == 0)
            if (ids_push(out, d->tid) < 0)
                return -1;
    }
    return 0;
}

static int int32_cmp(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a > b) - (a < b);
}

/* The ids fuzzy_tokens yields for `token` and deletion depth 0-2, sorted, each once. */
static int fuzzy_ids(const Core *self, const Py_UCS4 *t, Py_ssize_t n, int depth, Py_UCS4 *k1, Py_UCS4 *k2,
                     Ids *out)
{
    if (lookup_key(self, t, n, out) < 0)
        return -1;
    for (Py_ssize_t i = 0; depth >= 1 && i < n; i++) {
        if (same_deletion_as_previous(t, i))
            continue;
        memcpy(k1, t, (size_t)i * sizeof(Py_UCS4));
        memcpy(k1 + i, t + i + 1, (size_t)(n - i - 1) * sizeof(Py_UCS4));
        if (lookup_key(self, k1, n - 1, out) < 0)
            return -1;
        for (Py_ssize_t j = 0; depth >= 2 && j < n - 1; j++) {
            if (same_deletion_as_previous(k1, j))
                continue;
            memcpy(k2, k1, (size_t)j * sizeof(Py_UCS4));
            memcpy(k2 + j, k1 + j + 1, (size_t)(n - 2 - j) * sizeof(Py_UCS4));
            if (lookup_key(self, k2, n - 2, out) < 0)
                return -1;
        }
    }
    if (out->n > 1) {
        qsort(out->ids, out->n, sizeof(int32_t), int32_cmp);
        size_t w = 1;
        for (size_t r = 1; r < out->n; r++)
            if (out->ids[r] != out->ids[w - 1])
                out->ids[w++] = out->ids[r];
        out->n = w;
    }
    return 0;
}

/* calloc that refuses a product that overflows. */
static void *alloc_n(size_t n, size_t size)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / size)
        return NULL;
    return calloc(n, size);
}

/* A Core made with __new__ alone (or whose __init__ failed) has nothing to read. */
static int not_ready(const Core *self)
{
    if (self->del != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "Core is not initialised");
    return 1;
}

/* --- query input shared by the methods --------------------------------------------------- */

typedef struct {
    Py_ssize_t nq, max_len;
    Py_UCS4 *cp;      /* the tokens' code points, back to back */
    Py_ssize_t *off;  /* nq + 1 */
    double *w, *fuzzy_factor;
    unsigned char *legal;
} QueryIn;

static void query_free(QueryIn *q)
{
    free(q->cp);
    free(q->off);
    free(q->w);
    free(q->fuzzy_factor);
    free(q->legal);
    memset(q, 0, sizeof(*q));
}

static int read_doubles(PyObject *seq, Py_ssize_t n, double *out, const char *what)
{
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL)
        return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s has the wrong length", what);
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, k));
        if (out[k] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static int query_read(QueryIn *q, PyObject *tokens, PyObject *weights, PyObject *legal, PyObject *fuzzy)
{
    memset(q, 0, sizeof(*q));
    PyObject *fast = PySequence_Fast(tokens, "qtokens must be a sequence");
    if (fast == NULL)
        return -1;
    Py_ssize_t nq = PySequence_Fast_GET_SIZE(fast), total = 0;
    for (Py_ssize_t k = 0; k < nq; k++) {
        PyObject *t = PySequence_Fast_GET_ITEM(fast, k);
        if (!PyUnicode_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "query tokens must be str");
            goto fail;
        }
        total += PyUnicode_GET_LENGTH(t);
    }
    q->nq = nq;
    q->cp = alloc_n((size_t)total, sizeof(Py_UCS4));
    q->off = alloc_n((size_t)nq + 1, sizeof(Py_ssize_t));
    q->w = alloc_n((size_t)nq, sizeof(double));
    q->fuzzy_factor = alloc_n((size_t)nq, sizeof(double));
    q->legal = alloc_n((size_t)nq, 1);
    if (!q->cp || !q->off || !q->w || !q->fuzzy_factor || !q->legal) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < nq; k++) {
        PyObject *t = PySequence_Fast_GET_ITEM(fast, k);
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        q->off[k] = at;
        if (len && PyUnicode_AsUCS4(t, q->cp + at, total - at, 0) == NULL)
            goto fail;
        at += len;
        if (len > q->max_len)
            q->max_len = len;
    }
    q->off[nq] = at;
    Py_DECREF(fast);
    fast = NULL;
    if (weights && read_doubles(weights, nq, q->w, "qweights") < 0)
        goto fail;
    if (fuzzy && read_doubles(fuzzy, nq, q->fuzzy_factor, "qfuzzy") < 0)
        goto fail;
    if (legal) {
        PyObject *lf = PySequence_Fast(legal, "qlegal must be a sequence");
        if (lf == NULL)
            goto fail;
        if (PySequence_Fast_GET_SIZE(lf) != nq) {
            Py_DECREF(lf);
            PyErr_SetString(PyExc_ValueError, "qlegal has the wrong length");
            goto fail;
        }
        for (Py_ssize_t k = 0; k < nq; k++) {
            int b = PyObject_IsTrue(PySequence_Fast_GET_ITEM(lf, k));
            if (b < 0) {
                Py_DECREF(lf);
                goto fail;
            }
            q->legal[k] = (unsigned char)b;
        }
        Py_DECREF(lf);
    }
    return 0;
fail:
    Py_XDECREF(fast);
    query_free(q);
    return -1;
}

/* --- the score loop ------------------------------------------------------------------------ */

/* A candidate pair as align's tuples: (s, weight, q from, q to, n from, n to), plus the order it
 * was made in (list.sort is stable: equal keys keep that order). */
typedef struct {
    double s, w;
    int qa, qb, na, nb, seq;
} Cand;

static int cand_cmp(const void *pa, const void *pb)
{
    /* _cand_order: most similar first, then heaviest, then reading order, then as made. */
    const Cand *a = pa, *b = pb;
    if (a->s != b->s)
        return a->s > b->s ? -1 : 1;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->qa != b->qa)
        return a->qa < b->qa ? -1 : 1;
    if (a->na != b->na)
        return a->na < b->na ? -1 : 1;
    return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static int double_desc(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a > b ? -1 : (a < b);
}

typedef struct {
    double s, num_w, den_w;
} Pair;

/* Everything one score call needs, allocated once per call. */
typedef struct {
    const Core *core;
    const Params *P;
    const QueryIn *q;
    int fuzzy;
    double evidence_needed, min_joined;
    /* glue_plan of the query */
    Py_ssize_t n_singles, n_runs;
    int *single_i;
    int *run_i, *run_k;
    Py_ssize_t *run_len;
    double *run_w;
    /* per-name scratch, sized for the longest candidate name */
    Cand *cand;
    Pair *pairs;
    double *contrib, *qgain, *ngain, *nw;
    unsigned char *qused, *nused, *nlegal;
    const Py_UCS4 **ncp;
    const double **nrow; /* each listed token's row of similarities */
    Py_ssize_t *nlen;
    Py_UCS4 *join;
    int *work;
    /* pair similarities per listed token id: an open-addressing table to rows of nq doubles */
    int32_t *sim_keys;
    Py_ssize_t *sim_rows;
    size_t sim_mask;
    double *sim_vals;
    Py_ssize_t sim_used;
} Ctx;

static void ctx_free(Ctx *c)
{
    free(c->single_i);
    free(c->run_i);
    free(c->run_k);
    free(c->run_len);
    free(c->run_w);
    free(c->cand);
    free(c->pairs);
    free(c->contrib);
    free(c->qgain);
    free(c->ngain);
    free(c->nw);
    free(c->qused);
    free(c->nused);
    free(c->nlegal);
    free(c->ncp);
    free(c->nrow);
    free(c->nlen);
    free(c->join);
    free(c->work);
    free(c->sim_keys);
    free(c->sim_rows);
    free(c->sim_vals);
}

/* Returns 0, or -1 when out of memory. Called without the GIL (plain malloc only). */
static int ctx_init(Ctx *c, const Core *core, const QueryIn *q, Py_ssize_t max_nn, Py_ssize_t sum_nn)
{
    Py_ssize_t nq = q->nq;
    memset(c, 0, sizeof(*c));
    c->core = core;
    c->P = &core->P;
    c->q = q;
    size_t ncand = (size_t)nq * (size_t)max_nn * 5 + 1; /* single pairs + glued both ways, 2 widths */
    size_t joinlen = (size_t)(3 * (core->max_tok_len > q->max_len ? core->max_tok_len : q->max_len) + 1);
    size_t cap = 16;
    while (cap < (size_t)sum_nn * 2 + 2)
        cap <<= 1;
    c->single_i = alloc_n((size_t)nq, sizeof(int));
    c->run_i = alloc_n((size_t)nq * 2, sizeof(int));
    c->run_k = alloc_n((size_t)nq * 2, sizeof(int));
    c->run_len = alloc_n((size_t)nq * 2, sizeof(Py_ssize_t));
    c->run_w = alloc_n((size_t)nq * 2, sizeof(double));
    c->cand = alloc_n(ncand, sizeof(Cand));
    c->pairs = alloc_n((size_t)(nq + max_nn), sizeof(Pair));
    c->contrib = alloc_n((size_t)(nq + max_nn), sizeof(double));
    c->qgain = alloc_n((size_t)nq, sizeof(double));
    c->ngain = alloc_n((size_t)max_nn, sizeof(double));
    c->nw = alloc_n((size_t)max_nn, sizeof(double));
    c->qused = alloc_n((size_t)nq, 1);
    c->nused = alloc_n((size_t)max_nn, 1);
    c->nlegal = alloc_n((size_t)max_nn, 1);
    c->ncp = alloc_n((size_t)max_nn, sizeof(Py_UCS4 *));
    c->nrow = alloc_n((size_t)max_nn, sizeof(double *));
    c->nlen = alloc_n((size_t)max_nn, sizeof(Py_ssize_t));
    c->join = alloc_n(joinlen, sizeof(Py_UCS4));
    c->work = alloc_n(joinlen * 3 + 3, sizeof(int));
    c->sim_keys = alloc_n(cap, sizeof(int32_t));
    c->sim_rows = alloc_n(cap, sizeof(Py_ssize_t));
    c->sim_vals = alloc_n((size_t)(sum_nn ? sum_nn : 1) * (size_t)(nq ? nq : 1), sizeof(double));
    if (!c->single_i || !c->run_i || !c->run_k || !c->run_len || !c->run_w || !c->cand || !c->pairs ||
        !c->contrib || !c->qgain || !c->ngain || !c->nw || !c->qused || !c->nused || !c->nlegal || !c->ncp || !c->nrow ||
        !c->nlen || !c->join || !c->work || !c->sim_keys || !c->sim_rows || !c->sim_vals)
        return -1;
    for (size_t k = 0; k < cap; k++)
        c->sim_keys[k] = -1;
    c->sim_mask = cap - 1;
    /* glue_plan: single query tokens long enough to be 2-3 glued listed tokens, and runs of 2-3
     * query tokens (their summed length and weight, left to right). */
    for (Py_ssize_t i = 0; i < nq; i++)
        if (q->off[i + 1] - q->off[i] >= c->P->compound_min_len && !q->legal[i])
            c->single_i[c->n_singles++] = (int)i;
    for (Py_ssize_t i = 0; i + 1 < nq; i++) {
        Py_ssize_t length = q->off[i + 1] - q->off[i];
        double wsum = q->w[i];
        for (Py_ssize_t k = i + 1; k < (i + 3 < nq ? i + 3 : nq); k++) {
            length += q->off[k + 1] - q->off[k];
            wsum += q->w[k];
            c->run_i[c->n_runs] = (int)i;
            c->run_k[c->n_runs] = (int)(k + 1);
            c->run_len[c->n_runs] = length;
            c->run_w[c->n_runs] = wsum;
            c->n_runs++;
        }
    }
    return 0;
}

/* The query tokens' similarities to listed token `tid` (worked out on first use in the call). */
static const double *sims_of(Ctx *c, int32_t tid)
{
    size_t h = ((uint32_t)tid * 2654435761u) & c->sim_mask;
    while (c->sim_keys[h] != -1) {
        if (c->sim_keys[h] == tid)
            return c->sim_vals + c->sim_rows[h];
        h = (h + 1) & c->sim_mask;
    }
    const Core *core = c->core;
    const QueryIn *q = c->q;
    Py_ssize_t row = c->sim_used * q->nq;
    const Py_UCS4 *t = core->tok_cp + core->tok_off[tid];
    Py_ssize_t lt = core->tok_off[tid + 1] - core->tok_off[tid];
    for (Py_ssize_t i = 0; i < q->nq; i++)
        c->sim_vals[row + i] = pair_similarity(c->P, q->cp + q->off[i], q->off[i + 1] - q->off[i], t, lt,
                                               q->fuzzy_factor[i], c->work);
    c->sim_keys[h] = tid;
    c->sim_rows[h] = row;
    c->sim_used++;
    return c->sim_vals + row;
}

/* token_similarity of query token i against listed tokens j..k written together. */
static double glued_names(Ctx *c, Py_ssize_t i, Py_ssize_t j, Py_ssize_t k)
{
    Py_ssize_t len = 0;
    for (Py_ssize_t y = j; y <= k; y++) {
        memcpy(c->join + len, c->ncp[y], (size_t)c->nlen[y] * sizeof(Py_UCS4));
        len += c->nlen[y];
    }
    const QueryIn *q = c->q;
    return token_similarity(c->P, q->cp + q->off[i], q->off[i + 1] - q->off[i], c->join, len, c->work);
}

/* token_similarity of query tokens i..k-1 written together against listed token j. */
static double glued_query(Ctx *c, Py_ssize_t i, Py_ssize_t k, Py_ssize_t j)
{
    const QueryIn *q = c->q;
    Py_ssize_t len = q->off[k] - q->off[i];
    memcpy(c->join, q->cp + q->off[i], (size_t)len * sizeof(Py_UCS4));
    return token_similarity(c->P, c->join, len, c->ncp[j], c->nlen[j], c->work);
}

/* scoring._score_bound_below: whether no pairing can reach `x` (see the Python docstring). */
static int bound_below(Ctx *c, double x, Py_ssize_t ncand, Py_ssize_t nn, double name_miss)
{
    const Params *P = c->P;
    const QueryIn *q = c->q;
    Py_ssize_t nq = q->nq;
    double xq = x * P->query_miss, xn = x * name_miss;
    double *qgain = c->qgain, *ngain = c->ngain, *nw = c->nw;
    for (Py_ssize_t i = 0; i < nq; i++)
        qgain[i] = 0.0;
    for (Py_ssize_t j = 0; j < nn; j++)
        ngain[j] = 0.0;
    for (Py_ssize_t k = 0; k < ncand; k++) {
        const Cand *cd = &c->cand[k];
        int i = cd->qa, j = cd->na;
        int q1 = q->off[i + 1] - q->off[i] == 1, n1 = c->nlen[j] == 1;
        double w = cd->w, d;
        if (q1 != n1) {
            double full = n1 ? q->w[i] : nw[j];
            w = P->initial_weight < full ? P->initial_weight : full;
            d = w + (n1 ? P->query_miss : name_miss) * (full - w);
        } else {
            d = w;
        }
        double g = cd->s * w - x * d + xq * q->w[i] + xn * nw[j];
        if (g > qgain[i])
            qgain[i] = g;
        if (g > ngain[j])
            ngain[j] = g;
    }
    double sq = 0.0, sn = 0.0, sqg = 0.0, sng = 0.0;
    for (Py_ssize_t i = 0; i < nq; i++)
        sq += q->w[i];
    for (Py_ssize_t j = 0; j < nn; j++)
        sn += nw[j];
    double base = xq * sq + xn * sn;
    double limit = base - 1e-9 * (1.0 + base);
    for (Py_ssize_t i = 0; i < nq; i++)
        sqg += qgain[i];
    for (Py_ssize_t j = 0; j < nn; j++)
        sng += ngain[j];
    if ((sqg < sng ? sqg : sng) >= limit)
        return 0;
    if (nq == 1 && nn == 1)
        return 1;
    double cc = 1.0 - x + xn;
    if (c->n_singles && nn > 1) {
        for (Py_ssize_t j = 0; j < nn - 1; j++) {
            Py_ssize_t length = c->nlen[j];
            double wsum = nw[j];
            for (Py_ssize_t k = j + 1; k < (j + 3 < nn ? j + 3 : nn); k++) {
                length += c->nlen[k];
                wsum += nw[k];
                for (Py_ssize_t si = 0; si < c->n_singles; si++) {
                    int i = c->single_i[si];
                    Py_ssize_t lq = q->off[i + 1] - q->off[i];
                    Py_ssize_t diff = length - lq;
                    if (diff > 3 || diff < -3)
                        continue;
                    int budget = max_edits(P, length > lq ? length : lq);
                    if (diff > budget || -diff > budget)
                        continue;
                    double g = cc * wsum + xq * q->w[i];
                    double share = g / (double)(k + 1 - j);
                    if (g <= qgain[i]) {
                        int all = 1;
                        for (Py_ssize_t y = j; y <= k; y++)
                            if (!(share <= ngain[y])) {
                                all = 0;
                                break;
                            }
                        if (all)
                            continue;
                    }
                    double s = glued_names(c, i, j, k);
                    if (s < c->min_joined)
                        continue;
                    g = (s - x + xn) * wsum + xq * q->w[i];
                    share = g / (double)(k + 1 - j);
                    if (g > qgain[i])
                        qgain[i] = g;
                    for (Py_ssize_t y = j; y <= k; y++)
                        if (share > ngain[y])
                            ngain[y] = share;
                }
            }
        }
    }
    if (c->n_runs) {
        for (Py_ssize_t j = 0; j < nn; j++) {
            Py_ssize_t ln = c->nlen[j];
            if (ln < P->compound_min_len || c->nlegal[j])
                continue;
            double w = nw[j];
            for (Py_ssize_t r = 0; r < c->n_runs; r++) {
                int i = c->run_i[r], k = c->run_k[r];
                Py_ssize_t length = c->run_len[r];
                double wsum = c->run_w[r];
                Py_ssize_t diff = length - ln;
                if (diff > 3 || diff < -3)
                    continue;
                int budget = max_edits(P, length > ln ? length : ln);
                if (diff > budget || -diff > budget)
                    continue;
                double g = cc * w + xq * wsum;
                double share = g / (double)(k - i);
                if (g <= ngain[j]) {
                    int all = 1;
                    for (int y = i; y < k; y++)
                        if (!(share <= qgain[y])) {
                            all = 0;
                            break;
                        }
                    if (all)
                        continue;
                }
                double s = glued_query(c, i, k, j);
                if (s < c->min_joined)
                    continue;
                g = (s - x + xn) * w + xq * wsum;
                share = g / (double)(k - i);
                if (g > ngain[j])
                    ngain[j] = g;
                for (int y = i; y < k; y++)
                    if (share > qgain[y])
                        qgain[y] = share;
            }
        }
    }
    sqg = 0.0;
    sng = 0.0;
    for (Py_ssize_t i = 0; i < nq; i++)
        sqg += qgain[i];
    for (Py_ssize_t j = 0; j < nn; j++)
        sng += ngain[j];
    return (sqg < sng ? sqg : sng) < limit;
}

/* align's take(): pairs the candidates in order, skipping any that reuse a token; only those
 * with similarity 1 when `exact_only`. */
static Py_ssize_t take(Ctx *c, Py_ssize_t ncand, int exact_only, Py_ssize_t npairs, double name_miss)
{
    const Params *P = c->P;
    const QueryIn *q = c->q;
    for (Py_ssize_t k = 0; k < ncand; k++) {
        const Cand *cd = &c->cand[k];
        if (exact_only && cd->s != 1.0)
            continue;
        int busy = 0;
        for (int x = cd->qa; x < cd->qb && !busy; x++)
            busy = c->qused[x];
        for (int x = cd->na; x < cd->nb && !busy; x++)
            busy = c->nused[x];
        if (busy)
            continue;
        for (int x = cd->qa; x < cd->qb; x++)
            c->qused[x] = 1;
        for (int x = cd->na; x < cd->nb; x++)
            c->nused[x] = 1;
        double w = cd->w, den = w;
        if (cd->qb - cd->qa == 1 && cd->nb - cd->na == 1 &&
            (q->off[cd->qa + 1] - q->off[cd->qa] == 1) != (c->nlen[cd->na] == 1)) {
            /* An initial against a full token proves only the first letter. */
            int full_q = c->nlen[cd->na] == 1;
            double full = full_q ? q->w[cd->qa] : c->nw[cd->na];
            w = P->initial_weight < full ? P->initial_weight : full;
            den = w + (full_q ? P->query_miss : name_miss) * (full - w);
        }
        c->pairs[npairs].s = cd->s;
        c->pairs[npairs].num_w = w;
        c->pairs[npairs].den_w = den;
        npairs++;
    }
    return npairs;
}

/* scoring.align(..., floor=floor, explain=False) for listed name `nid`: sets *score and returns
 * 1, or returns 0 where align returns None. */
static int align_name(Ctx *c, int32_t nid, double floor, double *score)
{
    const Core *core = c->core;
    const Params *P = c->P;
    const QueryIn *q = c->q;
    Py_ssize_t nq = q->nq;
    int32_t from = core->name_off[nid], to = core->name_off[nid + 1];
    Py_ssize_t nn = to - from;
    int person = core->entry_person[core->name_entry[nid]];
    const double *weights = person ? core->pweight : core->weight;
    double name_miss = person ? P->name_miss : P->name_miss_entity;
    for (Py_ssize_t j = 0; j < nn; j++) {
        int32_t tid = core->name_tok[from + j];
        c->ncp[j] = core->tok_cp + core->tok_off[tid];
        c->nlen[j] = core->tok_off[tid + 1] - core->tok_off[tid];
        c->nw[j] = weights[tid];
        c->nlegal[j] = !person && core->cls[tid] == P->legal_class;
    }
    /* Single pairs, query-major like align's loops. */
    Py_ssize_t ncand = 0;
    for (Py_ssize_t j = 0; j < nn; j++)
        c->nrow[j] = sims_of(c, core->name_tok[from + j]);
    for (Py_ssize_t i = 0; i < nq; i++) {
        double qw = q->w[i];
        for (Py_ssize_t j = 0; j < nn; j++) {
            double s = c->nrow[j][i];
            if (s == 0.0 && q->legal[i] && c->nlegal[j])
                s = P->legal_cross_sim;
            if (s > 0.0) {
                /* A fuzzy pair weighs what the rarer-looking side is worth at most. */
                double nwj = c->nw[j];
                Cand *cd = &c->cand[ncand];
                cd->s = s;
                cd->w = (s == 1.0 || nwj <= qw) ? nwj : qw;
                cd->qa = (int)i;
                cd->qb = (int)i + 1;
                cd->na = (int)j;
                cd->nb = (int)j + 1;
                cd->seq = (int)ncand;
                ncand++;
            }
        }
    }
    if (floor > 0.0 && bound_below(c, floor, ncand, nn, name_miss))
        return 0;
    memset(c->qused, 0, (size_t)nq);
    memset(c->nused, 0, (size_t)nn);
    qsort(c->cand, (size_t)ncand, sizeof(Cand), cand_cmp);
    Py_ssize_t npairs = take(c, ncand, 1, 0, name_miss);
    int all_q = 1, all_n = 1;
    for (Py_ssize_t i = 0; i < nq; i++)
        all_q &= c->qused[i];
    for (Py_ssize_t j = 0; j < nn; j++)
        all_n &= c->nused[j];
    if ((nq > 1 || nn > 1) && !all_q && !all_n) {
        /* Glued and split spellings among the tokens left, competing with the fuzzy pairs. */
        Py_ssize_t before = ncand;
        for (Py_ssize_t i = 0; i < nq; i++) {
            Py_ssize_t lq = q->off[i + 1] - q->off[i];
            if (lq < P->compound_min_len || q->legal[i] || c->qused[i])
                continue;
            for (Py_ssize_t j = 0; j + 1 < nn; j++) {
                if (c->nused[j])
                    continue;
                Py_ssize_t length = c->nlen[j];
                double wsum = c->nw[j];
                for (Py_ssize_t k = j + 1; k < (j + 3 < nn ? j + 3 : nn); k++) {
                    if (c->nused[k])
                        break;
                    length += c->nlen[k];
                    wsum += c->nw[k];
                    if (length_fits(P, length, lq)) {
                        double s = glued_names(c, i, j, k);
                        if (s >= c->min_joined) {
                            Cand *cd = &c->cand[ncand];
                            cd->s = s;
                            cd->w = wsum;
                            cd->qa = (int)i;
                            cd->qb = (int)i + 1;
                            cd->na = (int)j;
                            cd->nb = (int)k + 1;
                            cd->seq = (int)ncand;
                            ncand++;
                        }
                    }
                }
            }
        }
        for (Py_ssize_t j = 0; j < nn; j++) {
            Py_ssize_t ln = c->nlen[j];
            if (ln < P->compound_min_len || c->nlegal[j] || c->nused[j])
                continue;
            for (Py_ssize_t i = 0; i + 1 < nq; i++) {
                if (c->qused[i])
                    continue;
                Py_ssize_t length = q->off[i + 1] - q->off[i];
                for (Py_ssize_t k = i + 1; k < (i + 3 < nq ? i + 3 : nq); k++) {
                    if (c->qused[k])
                        break;
                    length += q->off[k + 1] - q->off[k];
                    if (length_fits(P, length, ln)) {
                        double s = glued_query(c, i, k + 1, j);
                        if (s >= c->min_joined) {
                            Cand *cd = &c->cand[ncand];
                            cd->s = s;
                            cd->w = c->nw[j];
                            cd->qa = (int)i;
                            cd->qb = (int)k + 1;
                            cd->na = (int)j;
                            cd->nb = (int)j + 1;
                            cd->seq = (int)ncand;
                            ncand++;
                        }
                    }
                }
            }
        }
        /* The list is already sorted; a stable re-sort with the new ones after keeps ties in
         * the order they stand now, which `seq` reproduces since the sort above was by seq. */
        if (ncand > before)
            qsort(c->cand, (size_t)ncand, sizeof(Cand), cand_cmp);
    }
    npairs = take(c, ncand, 0, npairs, name_miss);

    double q_left = 0.0, n_left = 0.0, num = 0.0, paired = 0.0;
    for (Py_ssize_t i = 0; i < nq; i++)
        if (!c->qused[i])
            q_left += q->w[i];
    for (Py_ssize_t j = 0; j < nn; j++)
        if (!c->nused[j])
            n_left += c->nw[j];
    Py_ssize_t substantive = 0;
    for (Py_ssize_t p = 0; p < npairs; p++) {
        num += c->pairs[p].s * c->pairs[p].num_w;
        paired += c->pairs[p].den_w;
        c->contrib[p] = c->pairs[p].s * c->pairs[p].num_w;
        if (c->pairs[p].num_w > P->legal_form_weight)
            substantive++;
    }
    double den = paired + P->query_miss * q_left + name_miss * n_left;
    double evidence = 0.0;
    if (npairs) {
        /* The strongest matched token counts fully, the others at a discount. */
        qsort(c->contrib, (size_t)npairs, sizeof(double), double_desc);
        double rest = 0.0;
        for (Py_ssize_t p = 1; p < npairs; p++)
            rest += c->contrib[p];
        evidence = c->contrib[0] + P->evidence_discount * rest;
    }
    double needed = c->evidence_needed;
    double left_over = q_left + n_left;
    if (left_over <= P->whole_name_slack && substantive >= 2)
        needed = 0.0;
    else if (left_over <= P->whole_name_slack && substantive == 1)
        needed *= P->whole_name_single_share;
    double pad = needed - evidence;
    den += pad > 0.0 ? pad : 0.0;
    *score = den > 0 ? num / den : 0.0;
    return 1;
}

typedef struct {
    int32_t eid, nid;
    double score;
} Best;

static PyObject *Core_score(Core *self, PyObject *args)
{
    PyObject *qtokens, *qweights, *qlegal, *qfuzzy, *nids_obj;
    int fuzzy;
    double evidence_needed, keep, keep_weak;
    if (!PyArg_ParseTuple(args, "OOOOpdddO:score", &qtokens, &qweights, &qlegal, &qfuzzy, &fuzzy, &evidence_needed,
                          &keep, &keep_weak, &nids_obj) ||
        not_ready(self))
        return NULL;
    QueryIn q;
    if (query_read(&q, qtokens, qweights, qlegal, qfuzzy) < 0)
        return NULL;
    PyObject *fast = PySequence_Fast(nids_obj, "nids must be a sequence");
    if (fast == NULL) {
        query_free(&q);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast), max_nn = 0, sum_nn = 0;
    int32_t *nids = alloc_n((size_t)n, sizeof(int32_t));
    Best *best = alloc_n((size_t)n, sizeof(Best));
    if (nids == NULL || best == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, k));
        if (v == -1 && PyErr_Occurred())
            goto fail;
        if (v < 0 || v >= self->n_names) {
            PyErr_SetString(PyExc_IndexError, "name id out of range");
            goto fail;
        }
        nids[k] = (int32_t)v;
        Py_ssize_t nn = self->name_off[v + 1] - self->name_off[v];
        sum_nn += nn;
        if (nn > max_nn)
            max_nn = nn;
    }
    Py_CLEAR(fast);

    Ctx c;
    int oom = 0;
    Py_ssize_t nbest = 0;
    Py_BEGIN_ALLOW_THREADS
    if (ctx_init(&c, self, &q, max_nn, sum_nn) < 0) {
        oom = 1;
    } else {
        c.fuzzy = fuzzy;
        c.evidence_needed = evidence_needed;
        c.min_joined = fuzzy ? self->P.compound_min_sim : 1.0;
        for (Py_ssize_t k = 0; k < n; k++) {
            int32_t nid = nids[k];
            int weak = self->name_kind[nid] == self->P.weak_alias_kind;
            double score;
            if (!align_name(&c, nid, weak ? keep_weak : keep, &score))
                continue;
            if (weak)
                score *= self->P.weak_alias_factor;
            /* Best score per entry, entries in the order first seen (as the dict in screen). */
            int32_t eid = self->name_entry[nid];
            Py_ssize_t b = 0;
            while (b < nbest && best[b].eid != eid)
                b++;
            if (b == nbest) {
                best[nbest].eid = eid;
                best[nbest].nid = nid;
                best[nbest].score = score;
                nbest++;
            } else if (score > best[b].score) {
                best[b].score = score;
                best[b].nid = nid;
            }
        }
    }
    ctx_free(&c);
    Py_END_ALLOW_THREADS
    if (oom) {
        PyErr_NoMemory();
        goto fail;
    }
    PyObject *out = PyList_New(nbest);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t b = 0; b < nbest; b++) {
        PyObject *item = Py_BuildValue("(idi)", (int)best[b].eid, best[b].score, (int)best[b].nid);
        if (item == NULL) {
            Py_DECREF(out);
            goto fail;
        }
        PyList_SET_ITEM(out, b, item);
    }
    free(nids);
    free(best);
    query_free(&q);
    return out;
fail:
    Py_XDECREF(fast);
    free(nids);
    free(best);
    query_free(&q);
    return NULL;
}

/* --- candidates ---------------------------------------------------------------------------- */

/* Name id -> accumulated posting weight: open addressing, grown at half load. */
typedef struct {
    int32_t *keys;
    double *vals;
    size_t mask, used;
} Acc;

static int acc_grow(Acc *a)
{
    size_t cap = (a->mask + 1) * 2;
    int32_t *keys = malloc(cap * sizeof(int32_t));
    double *vals = malloc(cap * sizeof(double));
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t k = 0; k < cap; k++)
        keys[k] = -1;
    for (size_t k = 0; k <= a->mask; k++) {
        if (a->keys[k] < 0)
            continue;
        size_t h = ((uint32_t)a->keys[k] * 2654435761u) & (cap - 1);
        while (keys[h] >= 0)
            h = (h + 1) & (cap - 1);
        keys[h] = a->keys[k];
        vals[h] = a->vals[k];
    }
    free(a->keys);
    free(a->vals);
    a->keys = keys;
    a->vals = vals;
    a->mask = cap - 1;
    return 0;
}

static inline int acc_add(Acc *a, int32_t nid, double v)
{
    size_t h = ((uint32_t)nid * 2654435761u) & a->mask;
    while (a->keys[h] >= 0) {
        if (a->keys[h] == nid) {
            a->vals[h] = a->vals[h] + v;
            return 0;
        }
        h = (h + 1) & a->mask;
    }
    a->keys[h] = nid;
    a->vals[h] = 0.0 + v; /* acc.get(nid, 0.0) + contribution */
    if (++a->used * 2 > a->mask + 1)
        return acc_grow(a);
    return 0;
}

typedef struct {
    double key;
    int32_t nid;
} Scored;

/* Python orders (key, nid) tuples: key first, then nid. */
static inline int scored_less(const Scored *a, const Scored *b)
{
    return a->key < b->key || (a->key == b->key && a->nid < b->nid);
}

static int scored_desc(const void *pa, const void *pb)
{
    const Scored *a = pa, *b = pb;
    return scored_less(b, a) ? -1 : (scored_less(a, b) ? 1 : 0);
}

/* Keeps the `limit` largest in a min-heap (heapq.nlargest gives the same as a full sort). */
static void heap_push(Scored *heap, Py_ssize_t *size, Py_ssize_t limit, Scored item)
{
    Py_ssize_t k;
    if (*size < limit) {
        k = (*size)++;
        while (k > 0) {
            Py_ssize_t parent = (k - 1) / 2;
            if (!scored_less(&item, &heap[parent]))
                break;
            heap[k] = heap[parent];
            k = parent;
        }
        heap[k] = item;
        return;
    }
    if (!scored_less(&heap[0], &item))
        return;
    k = 0;
    for (;;) {
        Py_ssize_t l = 2 * k + 1, r = l + 1, m = k;
        const Scored *at = &item;
        if (l < *size && scored_less(&heap[l], at)) {
            m = l;
            at = &heap[l];
        }
        if (r < *size && scored_less(&heap[r], at))
            m = r;
        if (m == k)
            break;
        heap[k] = heap[m];
        k = m;
    }
    heap[k] = item;
}

static PyObject *Core_candidates(Core *self, PyObject *args)
{
    PyObject *variants, *qweights_obj, *bound_obj, *allowed_obj;
    double floor, slack;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!OOddOn:candidates", &PyList_Type, &variants, &qweights_obj, &bound_obj, &floor,
                          &slack, &allowed_obj, &limit) ||
        not_ready(self))
        return NULL;
    const Params *P = &self->P;
    Py_ssize_t nv = PyList_GET_SIZE(variants), total_tids = 0;
    for (Py_ssize_t i = 0; i < nv; i++) {
        PyObject *d = PyList_GET_ITEM(variants, i);
        if (!PyDict_Check(d)) {
            PyErr_SetString(PyExc_TypeError, "variants must be dicts");
            return NULL;
        }
        total_tids += PyDict_GET_SIZE(d);
    }
    PyObject *out = NULL;
    double *qw = alloc_n((size_t)nv, sizeof(double)), *bw = alloc_n((size_t)nv, sizeof(double));
    double *vsim = alloc_n((size_t)total_tids, sizeof(double));
    int32_t *vtid = alloc_n((size_t)total_tids, sizeof(int32_t));
    Py_ssize_t *voff = alloc_n((size_t)nv + 1, sizeof(Py_ssize_t)), *order = alloc_n((size_t)nv, sizeof(Py_ssize_t));
    long long *sizes = alloc_n((size_t)nv, sizeof(long long));
    unsigned char *allowed = NULL;
    Scored *heap = NULL;
    Acc acc = {NULL, NULL, 0, 0};
    if (!qw || !bw || !vsim || !vtid || !voff || !order || !sizes) {
        PyErr_NoMemory();
        goto done;
    }
    if (read_doubles(qweights_obj, nv, qw, "qweights") < 0 || read_doubles(bound_obj, nv, bw, "bound_weights") < 0)
        goto done;
    /* The variant sets in dict order (the order the Python loop adds them up in). */
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < nv; i++) {
        PyObject *d = PyList_GET_ITEM(variants, i), *key, *value;
        Py_ssize_t pos = 0;
        voff[i] = at;
        sizes[i] = 0;
        while (PyDict_Next(d, &pos, &key, &value)) {
            Py_ssize_t tid = PyLong_AsSsize_t(key);
            if (tid == -1 && PyErr_Occurred())
                goto done;
            if (tid < 0 || tid >= self->n_tokens) {
                PyErr_SetString(PyExc_IndexError, "token id out of range");
                goto done;
            }
            double s = PyFloat_AsDouble(value);
            if (s == -1.0 && PyErr_Occurred())
                goto done;
            if (at >= total_tids) {
                PyErr_SetString(PyExc_RuntimeError, "variants changed size");
                goto done;
            }
            vtid[at] = (int32_t)tid;
            vsim[at] = s;
            at++;
            sizes[i] += self->post_off[tid + 1] - self->post_off[tid];
        }
    }
    voff[nv] = at;
    if (allowed_obj != Py_None) {
        allowed = alloc_n((size_t)self->n_lists, 1);
        PyObject *it = PyObject_GetIter(allowed_obj), *item;
        if (allowed == NULL || it == NULL) {
            Py_XDECREF(it);
            if (!PyErr_Occurred())
                PyErr_NoMemory();
            goto done;
        }
        while ((item = PyIter_Next(it)) != NULL) {
            Py_ssize_t v = PyLong_AsSsize_t(item);
            Py_DECREF(item);
            if (v == -1 && PyErr_Occurred()) {
                /* Not an id (or a huge one): it matches no list, as `in` would say. */
                if (!PyErr_ExceptionMatches(PyExc_OverflowError) && !PyErr_ExceptionMatches(PyExc_TypeError))
                    break;
                PyErr_Clear();
                continue;
            }
            if (v >= 0 && v < self->n_lists)
                allowed[v] = 1;
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
    }
    if (limit <= 0) {
        out = PyList_New(0);
        goto done;
    }

    Py_ssize_t nout = 0;
    int oom = 0;
    Py_BEGIN_ALLOW_THREADS
    /* Rarest first; sorted() is stable, so equal sizes keep the query order (insertion sort:
     * a query has a handful of tokens). */
    for (Py_ssize_t i = 0; i < nv; i++) {
        Py_ssize_t k = i;
        while (k > 0 && sizes[order[k - 1]] > sizes[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    double total = 0.0;
    for (Py_ssize_t i = 0; i < nv; i++)
        total += qw[i];
    if (total == 0.0)
        total = 1.0;
    double qmiss = P->query_miss;
    double need_fraction = floor < 1.0 ? floor * qmiss / (1.0 - floor + floor * qmiss) : 1.0;
    double remaining = total;
    long long walked = 0;
    Py_ssize_t unwalked = nv;
    size_t cap = 64;
    acc.keys = malloc(cap * sizeof(int32_t));
    acc.vals = malloc(cap * sizeof(double));
    acc.mask = cap - 1;
    if (acc.keys == NULL || acc.vals == NULL) {
        oom = 1;
        goto walked_out;
    }
    for (size_t k = 0; k < cap; k++)
        acc.keys[k] = -1;
    for (Py_ssize_t o = 0; o < nv; o++) {
        Py_ssize_t i = order[o];
        /* Short postings are always walked; the long ones of common tokens only while the
         * weight left could still lift a name to the floor. */
        if (acc.used && sizes[i] > P->always_walk_postings && remaining + slack < need_fraction * total)
            break;
        unwalked--;
        remaining -= qw[i];
        for (Py_ssize_t v = voff[i]; v < voff[i + 1]; v++) {
            int32_t tid = vtid[v];
            if (walked > P->max_postings_walked && acc.used)
                break;
            int64_t p0 = self->post_off[tid], p1 = self->post_off[tid + 1];
            walked += p1 - p0;
            double contribution = self->weight[tid] * vsim[v];
            for (int64_t p = p0; p < p1; p++)
                if (acc_add(&acc, self->post[p], contribution) < 0) {
                    oom = 1;
                    goto walked_out;
                }
        }
    }
    if (acc.used == 0)
        goto walked_out;
    {
        double btotal = 0.0, extra = 0.0;
        for (Py_ssize_t i = 0; i < nv; i++)
            btotal += bw[i];
        if (btotal == 0.0)
            btotal = 1.0;
        for (Py_ssize_t o = nv - unwalked; o < nv; o++)
            extra += bw[order[o]];
        extra += slack;
        double nmiss = P->name_miss_entity;
        double least = need_fraction * btotal - extra - 1e-9;
        heap = malloc((size_t)(limit < (Py_ssize_t)acc.used ? limit : (Py_ssize_t)acc.used) * sizeof(Scored));
        if (heap == NULL) {
            oom = 1;
            goto walked_out;
        }
        for (size_t h = 0; h <= acc.mask; h++) {
            int32_t nid = acc.keys[h];
            if (nid < 0)
                continue;
            double a = acc.vals[h];
            if (!(a >= least))
                continue;
            double m = a + extra;
            double nw = (double)self->name_weight[nid];
            double bound = m / (m + (btotal > m ? qmiss * (btotal - m) : 0.0) + (nw > m ? nmiss * (nw - m) : 0.0));
            if (bound >= floor && (allowed == NULL || allowed[self->entry_list[self->name_entry[nid]]])) {
                Scored item = {bound + a * 1e-6, nid};
                heap_push(heap, &nout, limit, item);
            }
        }
        qsort(heap, (size_t)nout, sizeof(Scored), scored_desc);
    }
walked_out:;
    Py_END_ALLOW_THREADS
    if (oom) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyList_New(nout);
    if (out == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < nout; k++) {
        PyObject *v = PyLong_FromLong(heap[k].nid);
        if (v == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, k, v);
    }
done:
    free(qw);
    free(bw);
    free(vsim);
    free(vtid);
    free(voff);
    free(order);
    free(sizes);
    free(allowed);
    free(heap);
    free(acc.keys);
    free(acc.vals);
    return out;
}

static PyObject *Core_fuzzy_partners(Core *self, PyObject *args)
{
    PyObject *token;
    int depth;
    double factor, min_sim;
    if (!PyArg_ParseTuple(args, "Uidd:fuzzy_partners", &token, &depth, &factor, &min_sim) || not_ready(self))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(token);
    Py_UCS4 *t = PyUnicode_AsUCS4Copy(token);
    if (t == NULL)
        return NULL;
    size_t longest = (size_t)(n > self->max_tok_len ? n : self->max_tok_len);
    Py_UCS4 *k1 = alloc_n((size_t)n + 1, sizeof(Py_UCS4)), *k2 = alloc_n((size_t)n + 1, sizeof(Py_UCS4));
    int *work = alloc_n((longest + 1) * 3, sizeof(int));
    double *sims = NULL;
    Ids ids = {NULL, 0, 0};
    PyObject *out = NULL;
    int oom = k1 == NULL || k2 == NULL || work == NULL;
    if (!oom) {
        Py_BEGIN_ALLOW_THREADS
        oom = fuzzy_ids(self, t, n, depth < 0 ? 0 : depth, k1, k2, &ids) < 0;
        if (!oom) {
            sims = alloc_n(ids.n, sizeof(double));
            oom = sims == NULL;
        }
        for (size_t k = 0; !oom && k < ids.n; k++) {
            int32_t tid = ids.ids[k];
            sims[k] = token_similarity(&self->P, t, n, self->tok_cp + self->tok_off[tid],
                                       self->tok_off[tid + 1] - self->tok_off[tid], work) * factor;
        }
        Py_END_ALLOW_THREADS
    }
    if (oom) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyList_New(0);
    for (size_t k = 0; out != NULL && k < ids.n; k++) {
        if (!(sims[k] >= min_sim))
            continue;
        PyObject *item = Py_BuildValue("(id)", (int)ids.ids[k], sims[k]);
        if (item == NULL || PyList_Append(out, item) < 0)
            Py_CLEAR(out);
        Py_XDECREF(item);
    }
done:
    PyMem_Free(t);
    free(k1);
    free(k2);
    free(work);
    free(sims);
    free(ids.ids);
    return out;
}

/* --- small helpers for the tests ------------------------------------------------------------ */

static PyObject *Core_token_similarity(Core *self, PyObject *args)
{
    PyObject *a, *b;
    double factor = -1.0;
    if (!PyArg_ParseTuple(args, "UU|d:token_similarity", &a, &b, &factor) || not_ready(self))
        return NULL;
    Py_UCS4 *ca = PyUnicode_AsUCS4Copy(a), *cb = PyUnicode_AsUCS4Copy(b);
    Py_ssize_t la = PyUnicode_GET_LENGTH(a), lb = PyUnicode_GET_LENGTH(b);
    int *work = alloc_n((size_t)(lb + 1) * 3, sizeof(int));
    PyObject *out = NULL;
    if (ca && cb && work) {
        double s = factor < 0.0 ? token_similarity(&self->P, ca, la, cb, lb, work)
                                : pair_similarity(&self->P, ca, la, cb, lb, factor, work);
        out = PyFloat_FromDouble(s);
    } else if (!PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    PyMem_Free(ca);
    PyMem_Free(cb);
    free(work);
    return out;
}

static PyMethodDef Core_methods[] = {
    {"candidates", (PyCFunction)Core_candidates, METH_VARARGS,
     "candidates(variants, qweights, bound_weights, floor, slack, allowed_lists, limit) -> [name id]:\n"
     "NameIndex.candidates, without the GIL."},
    {"score", (PyCFunction)Core_score, METH_VARARGS,
     "score(qtokens, qweights, qlegal, qfuzzy, fuzzy, evidence_needed, keep, keep_weak, nids)\n"
     "-> [(entry id, score, name id)]: the score loop of ScreeningIndex.screen, entries in the order\n"
     "first seen, without the GIL."},
    {"fuzzy_partners", (PyCFunction)Core_fuzzy_partners, METH_VARARGS,
     "fuzzy_partners(token, depth, factor, min_sim) -> [(token id, similarity)]: the listed tokens\n"
     "NameIndex.fuzzy_tokens finds (deletions up to `depth`), by id, with token_similarity * factor\n"
     "where that is at least min_sim."},
    {"token_similarity", (PyCFunction)Core_token_similarity, METH_VARARGS,
     "token_similarity(a, b[, factor]): scoring.token_similarity, or with a factor _pair_similarity."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "knownparty_service.domain.watchlists._matchcore.Core",
    .tp_basicsize = sizeof(Core),
    .tp_dealloc = (destructor)Core_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The read-only name index in C memory, for the screening hot loops.",
    .tp_methods = Core_methods,
    .tp_init = (initproc)Core_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef matchcore_module = {
    PyModuleDef_HEAD_INIT, "_matchcore", "Compiled hot loops of name screening (see matcher_core.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__matchcore(void)
{
    if (PyType_Ready(&CoreType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&matchcore_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CoreType);
    if (PyModule_AddObject(m, "Core", (PyObject *)&CoreType) < 0) {
        Py_DECREF(&CoreType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
